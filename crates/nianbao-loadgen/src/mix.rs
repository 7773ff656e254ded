//! The operation mix: `submit=60,get=30,list=10` (weights, not necessarily summing to 100).

use std::fmt;
use std::str::FromStr;

/// One kind of request the load generator sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    /// `StorageService.SubmitReport` of a 9 KB report.
    Submit,
    /// `StorageService.GetReport` (latest revision).
    Get,
    /// `StorageService.ListRevisions` of an office-year.
    List,
    /// `AggregationService.Aggregate` over the load generator's subtree.
    Aggregate,
    /// `RenderService.Render` of the report as HTML.
    Render,
}

impl Op {
    /// Every operation, in report order.
    pub const ALL: [Op; 5] = [Op::Submit, Op::Get, Op::List, Op::Aggregate, Op::Render];

    /// The name used in `--mix` and in the output.
    pub fn name(self) -> &'static str {
        match self {
            Op::Submit => "submit",
            Op::Get => "get",
            Op::List => "list",
            Op::Aggregate => "aggregate",
            Op::Render => "render",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Weighted operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mix {
    weights: Vec<(Op, u32)>,
}

impl Mix {
    /// The operations with a positive weight.
    pub fn ops(&self) -> impl Iterator<Item = Op> + '_ {
        self.weights
            .iter()
            .filter(|(_, w)| *w > 0)
            .map(|(op, _)| *op)
    }

    /// Whether `op` has a positive weight.
    pub fn has(&self, op: Op) -> bool {
        self.ops().any(|o| o == op)
    }

    /// Drops an operation (when its service is not there).
    pub fn without(&self, op: Op) -> Mix {
        Mix {
            weights: self
                .weights
                .iter()
                .copied()
                .filter(|(o, _)| *o != op)
                .collect(),
        }
    }

    /// The operation for a uniform draw `r` (any u32).
    pub fn pick(&self, r: u32) -> Option<Op> {
        let total: u32 = self.weights.iter().map(|(_, w)| w).sum();
        if total == 0 {
            return None;
        }
        let mut x = r % total;
        for (op, w) in &self.weights {
            if x < *w {
                return Some(*op);
            }
            x -= w;
        }
        None
    }
}

impl FromStr for Mix {
    type Err = String;

    fn from_str(s: &str) -> Result<Mix, String> {
        let mut weights = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| format!("--mix: `{part}` is not NAME=WEIGHT / 不是 名称=权重"))?;
            let op = Op::ALL
                .into_iter()
                .find(|o| o.name() == name.trim())
                .ok_or_else(|| format!("--mix: unknown operation `{name}` / 未知操作 (submit, get, list, aggregate, render)"))?;
            let weight: u32 = weight.trim().parse().map_err(|_| {
                format!("--mix: weight of `{name}` is not a whole number / 权重须为非负整数")
            })?;
            if weights.iter().any(|(o, _)| *o == op) {
                return Err(format!("--mix: `{name}` given twice / 重复"));
            }
            weights.push((op, weight));
        }
        if weights.iter().all(|(_, w)| *w == 0) {
            return Err("--mix: no operation has a positive weight / 没有权重为正的操作".into());
        }
        Ok(Mix { weights })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_picks_by_weight() {
        let mix: Mix = "submit=60, get=30,list=10"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let mut counts = std::collections::BTreeMap::new();
        for r in 0..100u32 {
            *counts.entry(mix.pick(r).unwrap_or(Op::Render)).or_insert(0) += 1;
        }
        assert_eq!(counts.get(&Op::Submit), Some(&60));
        assert_eq!(counts.get(&Op::Get), Some(&30));
        assert_eq!(counts.get(&Op::List), Some(&10));
        assert!(!mix.has(Op::Render));
        assert_eq!(mix.without(Op::Get).pick(65), Some(Op::List));
    }

    #[test]
    fn refuses_bad_mixes() {
        for bad in ["", "submit", "submit=x", "fly=3", "get=0", "get=1,get=2"] {
            assert!(bad.parse::<Mix>().is_err(), "{bad:?} should be refused");
        }
    }
}
