//! Request bodies as JSON values, whatever they were sent as: JSON as is, Kubernetes protobuf
//! (`application/vnd.kubernetes.protobuf`) decoded through its schema into the same JSON.

use super::protobuf;
use crate::registry::ApiError;
use serde_json::Value;

/// The body as JSON; `content_type` is the request's Content-Type header, if any.
/// Without one, or with any type but protobuf, the body is read as JSON.
pub fn decode(content_type: Option<&str>, body: &[u8]) -> Result<Value, ApiError> {
    match media_type(content_type) {
        Some(media) if media.eq_ignore_ascii_case(protobuf::MEDIA_TYPE) => protobuf::decode(body).map_err(|e| {
            ApiError::BadRequest(format!("the body of the request could not be decoded as protobuf: {e}"))
        }),
        _ => serde_json::from_slice(body)
            .map_err(|e| ApiError::BadRequest(format!("the body of the request could not be decoded as JSON: {e}"))),
    }
}

/// `type/subtype` without parameters.
fn media_type(content_type: Option<&str>) -> Option<&str> {
    content_type.map(|ct| ct.split(';').next().unwrap_or_default().trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_unless_protobuf() {
        assert_eq!(decode(None, br#"{"a":1}"#).unwrap(), serde_json::json!({"a": 1}));
        assert_eq!(decode(Some("application/json; charset=utf-8"), b"[]").unwrap(), serde_json::json!([]));
        let e = decode(Some("application/json"), b"k8s\0").unwrap_err();
        assert!(e.to_string().starts_with("the body of the request could not be decoded as JSON: "), "{e}");
        let e = decode(Some("application/vnd.kubernetes.protobuf"), br#"{"a":1}"#).unwrap_err();
        assert_eq!(e.code_and_reason(), (400, "BadRequest"));
        assert_eq!(
            e.to_string(),
            "the body of the request could not be decoded as protobuf: \
             the body does not start with the Kubernetes protobuf prefix \"k8s\\x00\""
        );
    }
}
