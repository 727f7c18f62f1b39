//! Kubernetes resource quantities (`500m`, `1.5`, `128Mi`, `1e3`) parsed exactly, for Docker's
//! CPU and memory limits.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantityError(pub String);

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    }
}

/// A quantity in billionths of its unit (nano-cores for CPU, nano-bytes for memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity(i128);

const NANO: i128 = 1_000_000_000;

impl Quantity {
    /// Parses a quantity string; anything outside Kubernetes' grammar is an error.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        let err = || QuantityError(s.to_string());
        let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-')).unwrap_or(s.len());
        let (number, suffix) = s.split_at(split);
        let (negative, digits) = match number.as_bytes().first() {
            Some(b'-') => (true, &number[1..]),
            Some(b'+') => (false, &number[1..]),
            _ => (false, number),
        };
        let nanos = parse_decimal_nanos(digits).ok_or_else(err)?;
        let scaled = apply_suffix(nanos, suffix).ok_or_else(err)?;
        Ok(Quantity(if negative { -scaled } else { scaled }))
    }

    /// Billionths of the unit.
    pub fn nanos(self) -> i128 {
        self.0
    }

    /// Whole units, rounded up (memory bytes).
    pub fn ceil_units(self) -> i128 {
        (self.0 + NANO - 1).div_euclid(NANO)
    }
}

/// Billionths of the unit of a quantity string, `None` when it is not a valid quantity.
pub fn nanos(s: &str) -> Option<i128> {
    Quantity::parse(s).ok().map(Quantity::nanos)
}

fn parse_decimal_nanos(digits: &str) -> Option<i128> {
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if int_part.is_empty() && frac_part.is_empty() || frac_part.contains('.') {
        return None;
    }
    if !int_part.chars().chain(frac_part.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let int: i128 = if int_part.is_empty() { 0 } else { int_part.parse().ok()? };
    let mut frac: i128 = 0;
    for (i, c) in frac_part.chars().take(9).enumerate() {
        frac += i128::from(c.to_digit(10)?) * 10i128.pow(8 - i as u32);
    }
    int.checked_mul(NANO)?.checked_add(frac)
}

fn apply_suffix(nanos: i128, suffix: &str) -> Option<i128> {
    let binary = |p: u32| nanos.checked_mul(1i128 << (10 * p));
    let decimal = |e: i32| {
        if e >= 0 { nanos.checked_mul(10i128.checked_pow(e as u32)?) } else { Some(nanos / 10i128.pow((-e) as u32)) }
    };
    match suffix {
        "" => Some(nanos),
        "Ki" => binary(1),
        "Mi" => binary(2),
        "Gi" => binary(3),
        "Ti" => binary(4),
        "Pi" => binary(5),
        "Ei" => binary(6),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        _ => {
            let exp = suffix.strip_prefix('e').or_else(|| suffix.strip_prefix('E'))?;
            let e: i32 = exp.parse().ok()?;
            if !(-18..=18).contains(&e) {
                return None;
            }
            decimal(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanos_of_every_suffix() {
        let cases = [
            ("1", Some(1_000_000_000)),
            ("500m", Some(500_000_000)),
            ("0.5", Some(500_000_000)),
            ("1Ki", Some(1_024_000_000_000)),
            ("1.5Gi", Some(1_610_612_736_000_000_000)),
            ("2e3", Some(2_000_000_000_000)),
            ("1k", Some(1_000_000_000_000)),
            ("-3", Some(-3_000_000_000)),
            ("10n", Some(10)),
            ("abc", None),
            ("1Qi", None),
            ("1e2147483647", None),
            ("1e-2147483648", None),
            ("", None),
        ];
        for (q, want) in cases {
            assert_eq!(nanos(q), want, "{q}");
        }
    }

    #[test]
    fn parses_cpu_and_memory() {
        assert_eq!(Quantity::parse("500m").unwrap().nanos(), 500_000_000);
        assert_eq!(Quantity::parse("1.5").unwrap().nanos(), 1_500_000_000);
        assert_eq!(Quantity::parse("2").unwrap().nanos(), 2 * NANO);
        assert_eq!(Quantity::parse("128Mi").unwrap().ceil_units(), 128 * 1024 * 1024);
        assert_eq!(Quantity::parse("1G").unwrap().ceil_units(), 1_000_000_000);
        assert_eq!(Quantity::parse("1e3").unwrap().ceil_units(), 1000);
        assert_eq!(Quantity::parse(".5").unwrap().nanos(), 500_000_000);
    }

    #[test]
    fn rejects_what_kubernetes_rejects() {
        for bad in ["abc", "", "1.2.3", "5Xi", "--1", "1e99", "."] {
            assert!(Quantity::parse(bad).is_err(), "{bad}");
        }
    }
}
