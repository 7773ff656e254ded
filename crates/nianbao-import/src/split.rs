//! Splitting runs of glued digits (`640020470`) into cells. A run is split only into pieces
//! without leading zeros; the caller keeps a split only when the rules leave one.

/// Longest run considered (longer runs are reported ambiguous, never enumerated).
const MAX_DIGITS: usize = 48;
/// At most this many candidate splits are kept.
const MAX_CANDIDATES: usize = 20_000;

/// Every way to cut the runs into exactly `n` pieces in total (each run gives at least one),
/// pieces without leading zeros. `None` when there are too many to enumerate.
pub fn splits(runs: &[String], n: usize) -> Option<Vec<Vec<i64>>> {
    if runs.iter().map(String::len).sum::<usize>() > MAX_DIGITS {
        return None;
    }
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let ok = rec(runs, 0, n, &mut cur, &mut out);
    ok.then_some(out)
}

fn rec(
    runs: &[String],
    idx: usize,
    left: usize,
    cur: &mut Vec<i64>,
    out: &mut Vec<Vec<i64>>,
) -> bool {
    if out.len() > MAX_CANDIDATES {
        return false;
    }
    if idx == runs.len() {
        if left == 0 {
            out.push(cur.clone());
        }
        return true;
    }
    let remaining_runs = runs.len() - idx - 1;
    let run = &runs[idx];
    let (neg, digits) = match run.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, run.as_str()),
    };
    let max_pieces = digits.len().min(left.saturating_sub(remaining_runs));
    for k in 1..=max_pieces {
        let mut pieces = Vec::new();
        cut(digits, k, &mut Vec::new(), &mut pieces);
        for mut p in pieces {
            if neg && let Some(first) = p.first_mut() {
                *first = -*first;
            }
            let len = cur.len();
            cur.extend(p);
            if !rec(runs, idx + 1, left - k, cur, out) {
                return false;
            }
            cur.truncate(len);
        }
    }
    true
}

/// Every cut of one digit string into `k` pieces without leading zeros.
fn cut(s: &str, k: usize, cur: &mut Vec<i64>, out: &mut Vec<Vec<i64>>) {
    if k == 1 {
        if valid(s)
            && let Ok(v) = s.parse()
        {
            cur.push(v);
            out.push(cur.clone());
            cur.pop();
        }
        return;
    }
    for i in 1..s.len() {
        let head = &s[..i];
        if !valid(head) {
            if head.starts_with('0') {
                break;
            }
            continue;
        }
        let Ok(v) = head.parse() else { break };
        cur.push(v);
        cut(&s[i..], k - 1, cur, out);
        cur.pop();
    }
}

fn valid(p: &str) -> bool {
    !p.is_empty()
        && p.bytes().all(|b| b.is_ascii_digit())
        && (p == "0" || !p.starts_with('0'))
        && p.len() <= 12
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn splits_without_leading_zeros() {
        let all = splits(&s(&["000"]), 3).expect("small");
        assert_eq!(all, vec![vec![0, 0, 0]]);
        let all = splits(&s(&["230", "000023"]), 7).expect("small");
        assert!(all.contains(&vec![23, 0, 0, 0, 0, 0, 23]));
        assert!(all.iter().all(|c| c.len() == 7));
        assert!(splits(&s(&["1".repeat(60).as_str()]), 7).is_none());
    }
}
