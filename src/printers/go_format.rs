//! How Go prints decoded JSON values, which is what kubectl's template and column output shows:
//! `fmt.Sprint` (`map[k:v]`, `[a b]`, `<nil>`, floats as `%v`) and `encoding/json` (compact,
//! keys sorted, `<`, `>` and `&` escaped).

use serde_json::Value;

/// `fmt.Sprint(v)` for a value decoded from JSON.
pub fn sprint(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number(n, float_v),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!("[{}]", items.iter().map(sprint).collect::<Vec<_>>().join(" ")),
        Value::Object(map) => {
            let pairs: Vec<String> = map.iter().map(|(k, v)| format!("{k}:{}", sprint(v))).collect();
            format!("map[{}]", pairs.join(" "))
        }
    }
}

/// `json.Marshal(v)`.
pub fn json(value: &Value) -> String {
    match value {
        Value::Number(n) => number(n, float_json),
        Value::String(s) => escape_html(&Value::String(s.clone()).to_string()),
        Value::Array(items) => format!("[{}]", items.iter().map(json).collect::<Vec<_>>().join(",")),
        Value::Object(map) => {
            let pairs: Vec<String> =
                map.iter().map(|(k, v)| format!("{}:{}", json(&Value::String(k.clone())), json(v))).collect();
            format!("{{{}}}", pairs.join(","))
        }
        other => other.to_string(),
    }
}

fn escape_html(text: &str) -> String {
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn number(n: &serde_json::Number, float: fn(f64) -> String) -> String {
    if n.is_f64() { n.as_f64().map(float).unwrap_or_default() } else { n.to_string() }
}

/// The shortest decimal digits of `f` and its decimal exponent (`d.ddd × 10^exp`).
fn digits(f: f64) -> (String, i32) {
    let scientific = format!("{:e}", f.abs());
    let (mantissa, exp) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    (mantissa.replace('.', ""), exp.parse().unwrap_or(0))
}

/// `%v` of a float64: `%g` with the shortest digits and exponents from 1e+06 and below 1e-04.
fn float_v(f: f64) -> String {
    let (digits, exp) = digits(f);
    if !(-4..6).contains(&exp) {
        let sign = if f < 0.0 { "-" } else { "" };
        let mantissa = if digits.len() > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

/// `encoding/json`'s float64: plain decimals from 1e-06 up to 1e+21, exponents beyond.
fn float_json(f: f64) -> String {
    let (_, exp) = digits(f);
    if f != 0.0 && !(-6..21).contains(&exp) {
        let text = format!("{f:e}");
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prints_like_go() {
        assert_eq!(sprint(&json!({"b": [1, "x"], "a": null})), "map[a:<nil> b:[1 x]]");
        assert_eq!(sprint(&json!(1.0)), "1");
        assert_eq!(sprint(&json!(3.3)), "3.3");
        assert_eq!(sprint(&json!(1000000.0)), "1e+06");
        assert_eq!(sprint(&json!(123456.0)), "123456");
        assert_eq!(sprint(&json!(0.00001)), "1e-05");
        assert_eq!(
            json(&json!({"name": "<a&b>", "value": 2.0, "n": [1, 2.5]})),
            r#"{"n":[1,2.5],"name":"\u003ca\u0026b\u003e","value":2}"#
        );
        assert_eq!(json(&json!(1e21)), "1e+21");
    }
}
