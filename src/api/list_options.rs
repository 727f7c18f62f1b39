//! The list options a client sends with a list or a watch, checked as the apiserver checks
//! them: `resourceVersion` must be a number (a list is never older than it, and one from the
//! future is a 504, as when the apiserver's cache cannot catch up), and `continue` must be a
//! token. skiff answers whole lists and issues no tokens, so a well-formed one can only be
//! stale: 410, as for a compacted one; a malformed one is a 400.

use super::request::Query;
use crate::registry::ApiError;
use base64::Engine;
use serde::Deserialize;

/// The `resourceVersion` parameter (`None` when absent or "0": any version will do).
pub fn resource_version(q: &Query) -> Result<Option<u64>, ApiError> {
    let Some(v) = q.get("resourceVersion").filter(|v| *v != "0") else {
        return Ok(None);
    };
    let why = match v.parse::<u64>() {
        Ok(rv) => return Ok(Some(rv)),
        Err(e) if matches!(e.kind(), std::num::IntErrorKind::PosOverflow) => "value out of range",
        Err(_) => "invalid syntax",
    };
    Err(ApiError::BadRequest(format!(
        "invalid resource version: resourceVersion: Invalid value: {v:?}: strconv.ParseUint: parsing {v:?}: {why}"
    )))
}

/// Checks a list request's `continue` and `resourceVersion` against the store at `current`.
pub fn check_list(q: &Query, current: u64) -> Result<(), ApiError> {
    if let Some(token) = q.get("continue") {
        return Err(match decode_continue(token) {
            Ok(()) => ApiError::ContinueExpired,
            Err(why) => ApiError::BadRequest(format!("invalid continue token: continue key is not valid{why}")),
        });
    }
    match resource_version(q)? {
        Some(rv) if rv > current => {
            Err(ApiError::Timeout(format!("Too large resource version: {rv}, current: {current}")))
        }
        _ => Ok(()),
    }
}

#[derive(Deserialize)]
struct ContinueToken {
    #[serde(default)]
    v: String,
    #[serde(default)]
    rv: i64,
    #[serde(default)]
    start: String,
}

/// Decodes a continue token as the apiserver does; the error is what follows "continue key is
/// not valid".
fn decode_continue(token: &str) -> Result<(), String> {
    let data = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).map_err(|e| {
        let at = match e {
            base64::DecodeError::InvalidByte(at, _) | base64::DecodeError::InvalidLastSymbol(at, _) => at,
            _ => token.len(),
        };
        format!(": illegal base64 data at input byte {at}")
    })?;
    let c: ContinueToken = serde_json::from_slice(&data).map_err(|e| format!(": {e}"))?;
    match c.v.as_str() {
        "meta.k8s.io/v1" if c.rv == 0 => {
            Err(": incorrect encoded start resourceVersion (version meta.k8s.io/v1)".into())
        }
        "meta.k8s.io/v1" if c.start.is_empty() => Err(": encoded start key empty (version meta.k8s.io/v1)".into()),
        "meta.k8s.io/v1" => Ok(()),
        other => Err(format!(": server does not recognize this encoded version {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(s: &str) -> Query {
        Query::parse(Some(s))
    }

    fn status(e: ApiError) -> (u16, String) {
        (e.code_and_reason().0, e.to_string())
    }

    #[test]
    fn resource_versions_and_continue_tokens_are_checked_like_the_apiserver() {
        assert!(check_list(&query("resourceVersion=7"), 9).is_ok());
        assert!(check_list(&query("resourceVersion=0&limit=500"), 9).is_ok());
        assert_eq!(
            status(check_list(&query("resourceVersion=abc"), 9).unwrap_err()),
            (
                400,
                r#"invalid resource version: resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax"#
                    .into()
            )
        );
        assert_eq!(
            status(check_list(&query("resourceVersion=12"), 9).unwrap_err()),
            (504, "Timeout: Too large resource version: 12, current: 9".into())
        );
        let garbage = check_list(&query("continue=garbage!"), 9).unwrap_err();
        assert_eq!(
            status(garbage),
            (400, "invalid continue token: continue key is not valid: illegal base64 data at input byte 7".into())
        );
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"v":"meta.k8s.io/v1","rv":3,"start":"web\u0000"}"#);
        let stale = check_list(&query(&format!("continue={token}")), 9).unwrap_err();
        assert_eq!(stale.code_and_reason(), (410, "Expired"));
        assert!(stale.to_string().starts_with("The provided continue parameter is too old"));
        let no_rv = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"v":"meta.k8s.io/v1","start":"a"}"#);
        assert!(
            check_list(&query(&format!("continue={no_rv}")), 9)
                .unwrap_err()
                .to_string()
                .ends_with("incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        );
    }
}
