//! Cell values: integer counts and exact money amounts.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// The unit of a money amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MoneyUnit {
    /// 元.
    Yuan,
    /// 万元 (10,000 元), the unit of the 2021 fee cell.
    WanYuan,
}

impl MoneyUnit {
    /// The unit as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "元",
            MoneyUnit::WanYuan => "万元",
        }
    }
}

/// An exact amount of money with its unit. Never a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    /// The amount with every printed digit.
    pub amount: Decimal,
    /// The unit the amount is in.
    pub unit: MoneyUnit,
}

impl Money {
    /// The amount expressed in another unit, exactly.
    pub fn in_unit(self, unit: MoneyUnit) -> Money {
        let amount = match (self.unit, unit) {
            (a, b) if a == b => self.amount,
            (MoneyUnit::WanYuan, MoneyUnit::Yuan) => self.amount * Decimal::from(10_000),
            (MoneyUnit::Yuan, MoneyUnit::WanYuan) => self.amount / Decimal::from(10_000),
            _ => self.amount,
        };
        Money { amount, unit }
    }

    /// Parses `"4068.208"`, `"251000元"` or `"1.5万元"`; a bare number takes `default_unit`.
    pub fn parse(text: &str, default_unit: MoneyUnit) -> Result<Money, String> {
        let t = text.trim();
        let (digits, unit) = if let Some(d) = t.strip_suffix("万元") {
            (d, MoneyUnit::WanYuan)
        } else if let Some(d) = t.strip_suffix('元') {
            (d, MoneyUnit::Yuan)
        } else {
            (t, default_unit)
        };
        let digits = digits.trim();
        let valid = !digits.is_empty()
            && digits
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
            && digits.chars().filter(|&c| c == '.').count() <= 1
            && !digits.starts_with('.')
            && !digits.ends_with('.')
            && !digits[1..].contains('-');
        if !valid {
            return Err(format!("“{text}” is not a decimal amount / 不是有效的金额"));
        }
        let amount = Decimal::from_str(digits).map_err(|e| format!("“{text}”: {e}"))?;
        Ok(Money { amount, unit })
    }

    /// The amount as written in interchange JSON: bare when in `default_unit`, else with its unit.
    pub fn to_interchange(self, default_unit: MoneyUnit) -> String {
        if self.unit == default_unit {
            self.amount.to_string()
        } else {
            format!("{}{}", self.amount, self.unit.as_str())
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.amount)
    }
}

/// The value of one printed cell. A cell that is not printed has no value (absent is not 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// A count (may be negative only in the 2019 `本年增/减` columns; the rules say so).
    Count(i64),
    /// An amount of money.
    Money(Money),
}

impl Value {
    /// The count, if this is a count.
    pub fn count(&self) -> Option<i64> {
        match self {
            Value::Count(n) => Some(*n),
            Value::Money(_) => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Count(n) => write!(f, "{n}"),
            Value::Money(m) => write!(f, "{m}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_all_digits() {
        let m = Money::parse("24252.311082", MoneyUnit::WanYuan).expect("parse");
        assert_eq!(m.to_interchange(MoneyUnit::WanYuan), "24252.311082");
        let m = Money::parse("75394432.52元", MoneyUnit::Yuan).expect("parse");
        assert_eq!(m.amount.to_string(), "75394432.52");
        let m = Money::parse("0.10", MoneyUnit::WanYuan).expect("parse");
        assert_eq!(m.to_interchange(MoneyUnit::WanYuan), "0.10");
        let m = Money::parse("251000元", MoneyUnit::WanYuan).expect("parse");
        assert_eq!(m.to_interchange(MoneyUnit::WanYuan), "251000元");
        assert_eq!(
            m.in_unit(MoneyUnit::WanYuan).amount.normalize().to_string(),
            "25.1"
        );
    }

    #[test]
    fn money_rejects_garbage() {
        for bad in ["", "1.2.3", "abc", "1e5", ".5", "5.", "--1", "1-2"] {
            assert!(Money::parse(bad, MoneyUnit::Yuan).is_err(), "{bad}");
        }
    }
}
