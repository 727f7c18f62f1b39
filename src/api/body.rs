//! Request bodies as JSON values, whatever they were sent as: JSON as is (also without a
//! Content-Type, as the apiserver assumes), YAML, and Kubernetes protobuf
//! (`application/vnd.kubernetes.protobuf`) decoded through its schema into the same JSON. Any
//! other media type is a 415.

use super::protobuf;
use crate::registry::ApiError;
use serde_json::Value;

/// The body as JSON; `content_type` is the request's Content-Type header, if any.
pub fn decode(content_type: Option<&str>, body: &[u8]) -> Result<Value, ApiError> {
    let media = media_type(content_type).map(str::to_ascii_lowercase);
    match media.as_deref() {
        None | Some("application/json") => serde_json::from_slice(body)
            .map_err(|e| ApiError::BadRequest(format!("the body of the request could not be decoded as JSON: {e}"))),
        Some("application/yaml") => serde_yaml::from_slice(body)
            .map_err(|e| ApiError::BadRequest(format!("the body of the request could not be decoded as YAML: {e}"))),
        Some(protobuf::MEDIA_TYPE) => protobuf::decode(body).map_err(|e| {
            ApiError::BadRequest(format!("the body of the request could not be decoded as protobuf: {e}"))
        }),
        Some(_) => Err(ApiError::UnsupportedMediaType(
            "the body of the request was in an unknown format - accepted media types include: application/json, \
             application/yaml, application/vnd.kubernetes.protobuf"
                .into(),
        )),
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
        assert_eq!(decode(Some("application/yaml"), b"a: 1").unwrap(), serde_json::json!({"a": 1}));
        assert_eq!(decode(Some("text/plain"), b"{}").unwrap_err().code_and_reason(), (415, "UnsupportedMediaType"));
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
