//! IntOrString arithmetic as apimachinery's `intstr` and the Deployment controller do it: percent
//! parsing, scaling a percent against a total, and resolving `maxSurge`/`maxUnavailable`.
//! Pure functions only; validation messages live in `validation`.

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Why an IntOrString could not be turned into a number; the texts follow apimachinery's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntOrPercentError {
    /// A string without a trailing `%`, e.g. `"5"`.
    #[error("invalid value for IntOrString: invalid type: string is not a percentage")]
    NotPercent,
    /// A string ending in `%` whose number does not parse, e.g. `"x%"`.
    #[error("invalid value for IntOrString: invalid value {0:?}: strconv.Atoi: parsing {1:?}: invalid syntax")]
    BadNumber(String, String),
    /// The scaled value does not fit an `i32`.
    #[error("invalid value for IntOrString: {0} is out of range")]
    OutOfRange(i64),
}

/// True when `s` matches `^[0-9]+%$` (apimachinery `IsValidPercent`).
pub fn is_valid_percent(s: &str) -> bool {
    match s.strip_suffix('%') {
        Some(digits) => !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
        None => false,
    }
}

/// The number a valid-or-not IntOrString stands for when both-zero is checked during validation
/// (apps validation `getIntOrPercentValue`): the integer, the numeric part of a valid percent,
/// or Go's `IntValue()` (Atoi of the string, 0 when it does not parse) otherwise.
pub fn raw_value(v: &IntOrString) -> i64 {
    match v {
        IntOrString::Int(i) => i64::from(*i),
        IntOrString::String(s) if is_valid_percent(s) => percent_number(s).unwrap_or(0),
        IntOrString::String(s) => go_atoi(s).unwrap_or(0),
    }
}

/// The numeric part of a valid percent string, `None` otherwise or on overflow.
pub fn percent_value(s: &str) -> Option<i64> {
    if is_valid_percent(s) { percent_number(s) } else { None }
}

fn percent_number(s: &str) -> Option<i64> {
    s.strip_suffix('%').and_then(go_atoi)
}

/// Go's `strconv.Atoi` on a 64-bit platform: optional sign, decimal digits, no spaces.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// apimachinery `GetScaledValueFromIntOrPercent`: an integer is returned as is; a percent `p%`
/// becomes `ceil(p*total/100)` when `round_up`, else `floor(p*total/100)`; any other string
/// (such as `"5"`) is an error.
pub fn scaled_value(v: &IntOrString, total: i32, round_up: bool) -> Result<i32, IntOrPercentError> {
    match v {
        IntOrString::Int(i) => Ok(*i),
        IntOrString::String(s) => {
            let Some(number) = s.strip_suffix('%') else {
                return Err(IntOrPercentError::NotPercent);
            };
            let Some(p) = go_atoi(number) else {
                return Err(IntOrPercentError::BadNumber(s.clone(), number.to_string()));
            };
            scale_percent(p, total, round_up)
        }
    }
}

fn scale_percent(p: i64, total: i32, round_up: bool) -> Result<i32, IntOrPercentError> {
    let product = i128::from(p) * i128::from(total);
    let floor = product.div_euclid(100);
    let scaled = if round_up && product.rem_euclid(100) != 0 { floor + 1 } else { floor };
    let wide = i64::try_from(scaled).unwrap_or(i64::MAX);
    i32::try_from(wide).map_err(|_| IntOrPercentError::OutOfRange(wide))
}

/// Deployment controller `ResolveFenceposts`: absent values count as 0, surge rounds up,
/// unavailable rounds down, and when both come out 0 unavailable becomes 1 (surge might not
/// work because of quota). Returns `(surge, unavailable)`.
pub fn resolve_fenceposts(
    max_surge: Option<&IntOrString>,
    max_unavailable: Option<&IntOrString>,
    desired: i32,
) -> Result<(i32, i32), IntOrPercentError> {
    let zero = IntOrString::Int(0);
    let surge = scaled_value(max_surge.unwrap_or(&zero), desired, true)?;
    let unavailable = scaled_value(max_unavailable.unwrap_or(&zero), desired, false)?;
    if surge == 0 && unavailable == 0 {
        return Ok((0, 1));
    }
    Ok((surge, unavailable))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> IntOrString {
        IntOrString::String(v.to_string())
    }

    #[test]
    fn percent_syntax() {
        for ok in ["0%", "25%", "100%", "250%", "007%"] {
            assert!(is_valid_percent(ok), "{ok}");
        }
        for bad in ["", "%", "25", "-5%", "+5%", "1.5%", "20Percent", " 5%", "5 %", "5%%", "٣%"] {
            assert!(!is_valid_percent(bad), "{bad}");
        }
    }

    #[test]
    fn raw_values_match_go() {
        assert_eq!(raw_value(&IntOrString::Int(0)), 0);
        assert_eq!(raw_value(&IntOrString::Int(-3)), -3);
        assert_eq!(raw_value(&s("0%")), 0);
        assert_eq!(raw_value(&s("25%")), 25);
        assert_eq!(raw_value(&s("20Percent")), 0);
        assert_eq!(raw_value(&s("7")), 7);
        assert_eq!(raw_value(&s("-5%")), 0);
        assert_eq!(percent_value("40%"), Some(40));
        assert_eq!(percent_value("40"), None);
        assert_eq!(percent_value("99999999999999999999%"), None);
    }

    #[test]
    fn scaling_rounds_as_asked() {
        assert_eq!(scaled_value(&s("25%"), 10, true), Ok(3));
        assert_eq!(scaled_value(&s("25%"), 10, false), Ok(2));
        assert_eq!(scaled_value(&s("100%"), 7, false), Ok(7));
        assert_eq!(scaled_value(&s("250%"), 4, true), Ok(10));
        assert_eq!(scaled_value(&IntOrString::Int(5), 100, true), Ok(5));
        assert_eq!(scaled_value(&s("-5%"), 10, true), Ok(0));
        assert_eq!(scaled_value(&s("-5%"), 10, false), Ok(-1));
        assert_eq!(scaled_value(&s("0%"), 0, true), Ok(0));
    }

    #[test]
    fn scaling_errors() {
        assert_eq!(scaled_value(&s("5"), 10, true), Err(IntOrPercentError::NotPercent));
        assert_eq!(scaled_value(&s("x%"), 10, true), Err(IntOrPercentError::BadNumber("x%".into(), "x".into())));
        assert!(matches!(scaled_value(&s("9999999999%"), i32::MAX, true), Err(IntOrPercentError::OutOfRange(_))));
        assert_eq!(
            IntOrPercentError::NotPercent.to_string(),
            "invalid value for IntOrString: invalid type: string is not a percentage"
        );
    }

    /// kubernetes pkg/controller/deployment/util TestResolveFenceposts.
    #[test]
    fn upstream_resolve_fenceposts_table() {
        type Case = (Option<IntOrString>, Option<IntOrString>, i32, Option<(i32, i32)>);
        let p = |v: &str| Some(s(v));
        let cases: [Case; 8] = [
            (p("0%"), p("0%"), 0, Some((0, 1))),
            (p("39%"), p("39%"), 10, Some((4, 3))),
            (p("oops"), p("39%"), 10, None),
            (p("55%"), p("urg"), 10, None),
            (None, p("39%"), 10, Some((0, 3))),
            (p("39%"), None, 10, Some((4, 0))),
            (None, None, 10, Some((0, 1))),
            (p("5"), p("1"), 7, None),
        ];
        for (surge, unavailable, desired, want) in cases {
            let got = resolve_fenceposts(surge.as_ref(), unavailable.as_ref(), desired).ok();
            assert_eq!(got, want, "{surge:?} {unavailable:?} {desired}");
        }
    }

    #[test]
    fn worked_values_at_25_percent() {
        let q = s("25%");
        for (replicas, want) in [(1, (1, 0)), (2, (1, 0)), (3, (1, 0)), (4, (1, 1)), (10, (3, 2))] {
            assert_eq!(resolve_fenceposts(Some(&q), Some(&q), replicas), Ok(want), "{replicas}");
        }
        let one = s("1%");
        assert_eq!(resolve_fenceposts(Some(&one), Some(&one), 10), Ok((1, 0)));
        assert_eq!(resolve_fenceposts(Some(&q), Some(&q), 0), Ok((0, 1)));
        let ints = (IntOrString::Int(1), IntOrString::Int(1));
        assert_eq!(resolve_fenceposts(Some(&ints.0), Some(&ints.1), 2), Ok((1, 1)));
        assert_eq!(resolve_fenceposts(Some(&q), Some(&q), 8), Ok((2, 2)));
    }
}
