//! The canonical text of resource quantities, as the API server stores and prints them
//! (apimachinery `Quantity.String()` after `SetDefaults_ResourceList`): `0.5` → `500m`,
//! `1.5Gi` → `1536Mi`, `1000m` → `1`. Built on `quantity::Quantity`; pure, never panics.

use crate::model::quantity::Quantity;

const NANOS_PER_UNIT: u128 = 1_000_000_000;
const NANOS_PER_MILLI: i128 = 1_000_000;

/// The family of suffix a quantity was written with, which its canonical text keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    BinarySI,
    DecimalSI,
    DecimalExponent,
}

/// The text Kubernetes stores for `s` once defaulted: rounded up (away from zero) to milli
/// units, written in the canonical form of its format. `None` when `s` is not a quantity.
pub fn canonical_quantity(s: &str) -> Option<String> {
    let s = s.trim();
    let nanos = Quantity::parse(s).ok()?.nanos();
    Some(format_nanos(round_up_to_milli(nanos), format_of(s)))
}

/// The canonical text of a sum of quantities (`nanos` billionths of the unit), in binary
/// suffixes (`Mi`, memory) or decimal ones (`m`, CPU).
pub fn canonical_sum(nanos: i128, binary: bool) -> String {
    format_nanos(round_up_to_milli(nanos), if binary { Format::BinarySI } else { Format::DecimalSI })
}

fn format_of(s: &str) -> Format {
    let suffix = s.trim_start_matches(|c: char| c.is_ascii_digit() || "+-.".contains(c));
    if suffix.ends_with('i') {
        Format::BinarySI
    } else if suffix.len() > 1 && suffix.starts_with(['e', 'E']) {
        Format::DecimalExponent
    } else {
        Format::DecimalSI
    }
}

fn round_up_to_milli(nanos: i128) -> i128 {
    let rest = nanos % NANOS_PER_MILLI;
    if rest == 0 {
        return nanos;
    }
    let step = if nanos > 0 { NANOS_PER_MILLI } else { -NANOS_PER_MILLI };
    nanos - rest + step
}

fn format_nanos(nanos: i128, format: Format) -> String {
    if nanos == 0 {
        return "0".to_string();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let abs = nanos.unsigned_abs();
    if format == Format::BinarySI
        && let Some((number, suffix)) = binary_form(abs)
    {
        return format!("{sign}{number}{suffix}");
    }
    let (number, exponent) = decimal_form(abs);
    let suffix = match format {
        Format::DecimalExponent if exponent == 0 => String::new(),
        Format::DecimalExponent => format!("e{exponent}"),
        _ => decimal_si_suffix(exponent),
    };
    format!("{sign}{number}{suffix}")
}

/// `Ki`..`Ei` for whole values of at least 1024; others are written as DecimalSI upstream too.
fn binary_form(abs_nanos: u128) -> Option<(u128, &'static str)> {
    if !abs_nanos.is_multiple_of(NANOS_PER_UNIT) {
        return None;
    }
    let mut number = abs_nanos / NANOS_PER_UNIT;
    if number < 1024 {
        return None;
    }
    let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    let mut step = 0;
    while step + 1 < suffixes.len() && number.is_multiple_of(1024) {
        number /= 1024;
        step += 1;
    }
    suffixes.get(step).map(|s| (number, *s))
}

/// Mantissa and base-10 exponent, the exponent a multiple of 3 (`AsCanonicalBytes`).
fn decimal_form(abs_nanos: u128) -> (u128, i32) {
    let (mut number, mut exponent): (u128, i32) = (abs_nanos, -9);
    while number % 10 == 0 {
        number /= 10;
        exponent += 1;
    }
    while exponent.rem_euclid(3) != 0 {
        match number.checked_mul(10) {
            Some(n) => number = n,
            None => break,
        }
        exponent -= 1;
    }
    (number, exponent)
}

fn decimal_si_suffix(exponent: i32) -> String {
    let suffix = match exponent {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => return format!("e{exponent}"),
    };
    suffix.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_match_apimachinery() {
        let cases = [
            ("0", "0"),
            ("0.5", "500m"),
            ("500m", "500m"),
            ("1000m", "1"),
            ("1", "1"),
            ("2", "2"),
            ("1000", "1k"),
            ("1500", "1500"),
            ("1.5", "1500m"),
            ("128Mi", "128Mi"),
            ("1536Mi", "1536Mi"),
            ("1.5Gi", "1536Mi"),
            ("1024", "1024"),
            ("1Ki", "1Ki"),
            ("0.5Ki", "512"),
            ("1e3", "1e3"),
            ("1E3", "1e3"),
            ("1G", "1G"),
            ("1E", "1E"),
            ("-1", "-1"),
            ("+2", "2"),
            (".5", "500m"),
            (" 2 ", "2"),
            ("0.0001", "1m"),
            ("1.2345", "1235m"),
            ("-0.0001", "-1m"),
            ("100n", "1m"),
        ];
        for (input, want) in cases {
            assert_eq!(canonical_quantity(input).as_deref(), Some(want), "{input}");
        }
        assert_eq!(canonical_quantity("abc"), None);
        assert_eq!(canonical_quantity(""), None);
    }
}
