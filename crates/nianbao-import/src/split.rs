//! Splitting runs of glued digits (`640020470`) into cells. A run is split only into pieces
//! without leading zeros; the caller keeps a split only when the rules leave one.

/// Longest run considered (longer runs are reported ambiguous, never enumerated).
const MAX_DIGITS: usize = 48;
/// At most this many candidate splits are kept.
const MAX_CANDIDATES: usize = 20_000;
/// At most this many pieces are tried in all. The search cuts piece by piece and never
/// enters a branch whose digits cannot fill its pieces, so it needs only a few steps per
/// candidate; the bound keeps the work linear in it also where zeros make branches fail late.
const MAX_STEPS: usize = 200_000;
/// Longest piece (a cell value); longer pieces are not counts printed in a report.
const MAX_PIECE: usize = 12;

/// Every way to cut the runs into exactly `n` pieces in total (each run gives at least one),
/// pieces without leading zeros. `None` when there are too many to enumerate.
pub fn splits(runs: &[String], n: usize) -> Option<Vec<Vec<i64>>> {
    if runs.iter().map(String::len).sum::<usize>() > MAX_DIGITS {
        return None;
    }
    let runs: Vec<(bool, &[u8])> = runs
        .iter()
        .map(|r| match r.strip_prefix('-') {
            Some(d) => (true, d.as_bytes()),
            None => (false, r.as_bytes()),
        })
        .collect();
    if runs
        .iter()
        .any(|(_, d)| d.is_empty() || !d.iter().all(u8::is_ascii_digit))
    {
        return Some(Vec::new());
    }
    // Digits from the start of each run to the end of the last one.
    let mut after = vec![0; runs.len() + 1];
    for i in (0..runs.len()).rev() {
        after[i] = after[i + 1] + runs[i].1.len();
    }
    let mut search = Search {
        runs: &runs,
        after,
        cur: Vec::with_capacity(n),
        out: Vec::new(),
        steps: 0,
    };
    search.piece(0, 0, n).then_some(search.out)
}

/// The state of one enumeration.
struct Search<'a> {
    /// Each run: negative, its digits.
    runs: &'a [(bool, &'a [u8])],
    /// `after[i]`: the digits of runs `i..`.
    after: Vec<usize>,
    cur: Vec<i64>,
    out: Vec<Vec<i64>>,
    steps: usize,
}

impl Search<'_> {
    /// Cuts the rest of run `run` from digit `at` on, and the runs after it, into `left`
    /// pieces. False when a bound was reached.
    fn piece(&mut self, run: usize, at: usize, left: usize) -> bool {
        self.steps += 1;
        if self.steps > MAX_STEPS || self.out.len() > MAX_CANDIDATES {
            return false;
        }
        let Some(&(neg, digits)) = self.runs.get(run) else {
            if left == 0 {
                self.out.push(self.cur.clone());
            }
            return true;
        };
        if at == digits.len() {
            return self.piece(run + 1, 0, left);
        }
        // Every run still to come needs a piece of its own, every piece a digit, and no
        // piece is longer than MAX_PIECE.
        let digits_left = self.after[run] - at;
        let runs_to_start = self.runs.len() - run - 1;
        if left < 1 + runs_to_start || left > digits_left || digits_left > left * MAX_PIECE {
            return true;
        }
        let rest = &digits[at..];
        for len in 1..=rest.len().min(MAX_PIECE) {
            let head = &rest[..len];
            if len > 1 && head[0] == b'0' {
                break;
            }
            let value = head.iter().fold(0i64, |v, &d| v * 10 + i64::from(d - b'0'));
            self.cur.push(if neg && at == 0 { -value } else { value });
            let ok = self.piece(run, at + len, left - 1);
            self.cur.pop();
            if !ok {
                return false;
            }
        }
        true
    }
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

    /// Every cut of `d` into `k` pieces, by brute force over the cut positions.
    fn naive(d: &str, k: usize) -> Vec<Vec<i64>> {
        let n = d.len();
        let mut out = Vec::new();
        for mask in 0u32..(1 << (n - 1)) {
            if mask.count_ones() as usize + 1 != k {
                continue;
            }
            let (mut pieces, mut start) = (Vec::new(), 0);
            for i in 1..=n {
                if i == n || mask & (1 << (i - 1)) != 0 {
                    pieces.push(&d[start..i]);
                    start = i;
                }
            }
            if pieces
                .iter()
                .all(|p| p.len() <= 12 && (*p == "0" || !p.starts_with('0')))
            {
                out.push(pieces.iter().map(|p| p.parse().expect("digits")).collect());
            }
        }
        out
    }

    #[test]
    fn same_splits_as_brute_force() {
        for d in [
            "640020470",
            "1000100",
            "230000023",
            "10203040506",
            "11111111111111",
        ] {
            for k in 1..=d.len() {
                let mut got = splits(&s(&[d]), k).expect("small");
                let mut want = naive(d, k);
                got.sort();
                want.sort();
                assert_eq!(got, want, "{d} into {k}");
            }
        }
        let mut two = splits(&s(&["12", "305"]), 4).expect("small");
        two.sort();
        assert_eq!(two, vec![vec![1, 2, 30, 5], vec![12, 3, 0, 5]]);
    }

    #[test]
    fn long_runs_with_many_splits_are_given_up() {
        // 48 digits into 15 cells: hundreds of millions of cuts, refused without enumerating.
        assert!(splits(&s(&["1".repeat(48).as_str()]), 15).is_none());
        assert!(splits(&s(&["1".repeat(24).as_str()]), 7).is_none());
        // 48 zeros into 48 cells: one split.
        assert_eq!(
            splits(&s(&["0".repeat(48).as_str()]), 48),
            Some(vec![vec![0; 48]])
        );
    }
}
