//! The digest of some cells of a report, which a reviewer's mark on a warning keeps: the mark
//! explains the warning only while the digest of the finding's cells is unchanged.
//!
//! **Encoding (version 2), stable:** SHA-256, written as 64 lowercase hex digits, of
//!
//! ```text
//! nianbao-cells-v2\n
//! KEY=VALUE\n          one line per cell, in the order given
//! ```
//!
//! where `VALUE` is a count in decimal (`-3`, `17`), an amount of money as printed with its unit
//! (`4068.208万元`, `251000元`: every digit kept, so `0.10` and `0.1` differ), or `-` for a cell
//! that is not printed. Cell keys contain neither `=` nor a line break.
//!
//! Marks made before version 2 hold a digest of `KEY=VALUE;` with each value in the form Rust's
//! derived `Debug` gave it (`Count(3)`, `Money(Money { amount: 1.5, unit: WanYuan })`, an absent
//! cell empty). That form is reproduced here explicitly, never through `Debug`, so such marks keep
//! matching ([`Report::cells_digest_matches`]) whatever becomes of the derives.

use std::fmt::Write;

use sha2::{Digest, Sha256};

use crate::report::Report;
use crate::value::{MoneyUnit, Value};

/// The first line of the version 2 encoding.
const HEADER: &[u8] = b"nianbao-cells-v2\n";

impl Report {
    /// The digest (version 2, see the [module](crate::digest)) of the values of `cells`.
    pub fn cells_digest<S: AsRef<str>>(&self, cells: &[S]) -> String {
        let mut hasher = Sha256::new();
        hasher.update(HEADER);
        let mut line = String::new();
        for key in cells {
            let key = key.as_ref();
            line.clear();
            let _ = match self.cells.get(key) {
                Some(Value::Count(n)) => writeln!(line, "{key}={n}"),
                Some(Value::Money(m)) => writeln!(line, "{key}={}{}", m.amount, m.unit.as_str()),
                None => writeln!(line, "{key}=-"),
            };
            hasher.update(line.as_bytes());
        }
        hex(&hasher.finalize())
    }

    /// Whether `digest`, as kept with a mark, is the digest of `cells` as they are now: in the
    /// current encoding, or in the one marks were made with before it.
    pub fn cells_digest_matches<S: AsRef<str>>(&self, cells: &[S], digest: &str) -> bool {
        digest == self.cells_digest(cells) || digest == self.cells_digest_v1(cells)
    }

    /// The digest marks were made with before version 2 (`KEY=VALUE;`, values in their former
    /// debug form).
    fn cells_digest_v1<S: AsRef<str>>(&self, cells: &[S]) -> String {
        let mut hasher = Sha256::new();
        let mut value = String::new();
        for key in cells {
            let key = key.as_ref();
            value.clear();
            let _ = match self.cells.get(key) {
                Some(Value::Count(n)) => write!(value, "Count({n})"),
                Some(Value::Money(m)) => {
                    let unit = match m.unit {
                        MoneyUnit::Yuan => "Yuan",
                        MoneyUnit::WanYuan => "WanYuan",
                    };
                    write!(
                        value,
                        "Money(Money {{ amount: {}, unit: {unit} }})",
                        m.amount
                    )
                }
                None => Ok(()),
            };
            hasher.update(key.as_bytes());
            hasher.update(b"=");
            hasher.update(value.as_bytes());
            hasher.update(b";");
        }
        hex(&hasher.finalize())
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::str::FromStr;

    use rust_decimal::Decimal;

    use crate::value::{Money, MoneyUnit, Value};
    use crate::{Edition, Office, Report};

    fn report() -> Report {
        let office = Office {
            code: "o".into(),
            name: "单位".into(),
        };
        let mut r = Report::new(office, 2023, Edition::E2021);
        r.set("s3.new_received.total", Value::Count(12));
        let fee = Money {
            amount: Decimal::from_str("1.50").unwrap(),
            unit: MoneyUnit::WanYuan,
        };
        r.set("s2.fees.amount", Value::Money(fee));
        r
    }

    const CELLS: [&str; 3] = [
        "s3.new_received.total",
        "s2.fees.amount",
        "s3.granted.total",
    ];

    #[test]
    fn version_2_is_the_documented_encoding() {
        let text = "nianbao-cells-v2\ns3.new_received.total=12\ns2.fees.amount=1.50万元\n\
                    s3.granted.total=-\n";
        let expected = super::hex(&<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()));
        assert_eq!(report().cells_digest(&CELLS), expected);
    }

    #[test]
    fn the_digest_follows_every_value_and_the_order() {
        let r = report();
        let d = r.cells_digest(&CELLS);
        let mut changed = r.clone();
        changed.set("s3.new_received.total", Value::Count(13));
        assert_ne!(changed.cells_digest(&CELLS), d);
        let mut rescaled = r.clone();
        let fee = Money {
            amount: Decimal::from_str("1.5").unwrap(),
            unit: MoneyUnit::WanYuan,
        };
        rescaled.set("s2.fees.amount", Value::Money(fee));
        assert_ne!(rescaled.cells_digest(&CELLS), d);
        let reversed: Vec<&str> = CELLS.iter().rev().copied().collect();
        assert_ne!(r.cells_digest(&reversed), d);
        assert!(r.cells_digest_matches(&CELLS, &d));
        assert!(!changed.cells_digest_matches(&CELLS, &d));
    }

    /// A digest a mark was stored with before version 2 (computed by the former code, which
    /// hashed `format!("{v:?}")`) still matches the unchanged cells, and only them.
    #[test]
    fn marks_made_with_the_former_digest_still_match() {
        let stored = "c4bfa9f4b51d58c21973639b234b75744bc107e91cde7b6fe83aad5f503eb543";
        let r = report();
        assert_eq!(r.cells_digest_v1(&CELLS), stored);
        assert!(r.cells_digest_matches(&CELLS, stored));
        let mut changed = r.clone();
        changed.set("s3.granted.total", Value::Count(1));
        assert!(!changed.cells_digest_matches(&CELLS, stored));
    }
}
