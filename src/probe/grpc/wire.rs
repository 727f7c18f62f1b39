//! The wire format of `grpc.health.v1.Health/Check`, shared by the probe (client) and the demo
//! app (server): the two protobuf messages, gRPC's 5-byte length-prefixed framing, status codes
//! with grpc-go's names, and grpc-go's reading of a non-gRPC HTTP answer. Pure.

use crate::protobuf::{self, Malformed, Value};
use std::fmt;

pub const CHECK_PATH: &str = "/grpc.health.v1.Health/Check";
pub const CONTENT_TYPE: &str = "application/grpc";
/// The largest message grpc-go accepts by default.
pub const MAX_MESSAGE: usize = 4 * 1024 * 1024;

/// `HealthCheckResponse.ServingStatus`, open like every proto3 enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServingStatus(pub i32);

impl ServingStatus {
    pub const UNKNOWN: ServingStatus = ServingStatus(0);
    pub const SERVING: ServingStatus = ServingStatus(1);
    pub const NOT_SERVING: ServingStatus = ServingStatus(2);
    pub const SERVICE_UNKNOWN: ServingStatus = ServingStatus(3);

    /// The enum value's name, or its number when it has none (as protobuf-go prints it).
    pub fn name(self) -> String {
        match self.0 {
            0 => "UNKNOWN".into(),
            1 => "SERVING".into(),
            2 => "NOT_SERVING".into(),
            3 => "SERVICE_UNKNOWN".into(),
            n => n.to_string(),
        }
    }
}

/// `HealthCheckRequest { string service = 1; }`
pub fn encode_request(service: &str) -> Vec<u8> {
    let mut out = Vec::new();
    if !service.is_empty() {
        protobuf::bytes_field(&mut out, 1, service.as_bytes());
    }
    out
}

pub fn decode_request(message: &[u8]) -> Result<String, Malformed> {
    let mut service = String::new();
    for field in protobuf::fields(message) {
        if let (1, Value::Bytes(b)) = field? {
            service = String::from_utf8(b.to_vec()).map_err(|_| Malformed)?;
        }
    }
    Ok(service)
}

/// `HealthCheckResponse { ServingStatus status = 1; }`
pub fn encode_response(status: ServingStatus) -> Vec<u8> {
    let mut out = Vec::new();
    if status.0 != 0 {
        // Negative enum values are sign-extended to 64 bits on the wire.
        protobuf::varint_field(&mut out, 1, i64::from(status.0) as u64);
    }
    out
}

pub fn decode_response(message: &[u8]) -> Result<ServingStatus, Malformed> {
    let mut status = ServingStatus::UNKNOWN;
    for field in protobuf::fields(message) {
        if let (1, Value::Varint(v)) = field? {
            status = ServingStatus(v as i32);
        }
    }
    Ok(status)
}

/// One message in gRPC's framing: a zero "compressed" flag, a big-endian u32 length, the bytes.
pub fn frame(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + message.len());
    out.push(0);
    out.extend_from_slice(&u32::try_from(message.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(message);
    out
}

/// The single message of a unary call's body, with grpc-go's errors for what is wrong with it.
pub fn unframe(body: &[u8]) -> Result<&[u8], Status> {
    let Some((header, rest)) = body.split_first_chunk::<5>() else {
        return Err(Status::new(Code::INTERNAL, "unexpected EOF"));
    };
    let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
    if header[0] != 0 {
        return Err(Status::new(Code::INTERNAL, "grpc: compressed flag set with identity or empty encoding"));
    }
    if len > MAX_MESSAGE {
        let msg = format!("grpc: received message larger than max ({len} vs. {MAX_MESSAGE})");
        return Err(Status::new(Code::RESOURCE_EXHAUSTED, msg));
    }
    match rest.len().cmp(&len) {
        std::cmp::Ordering::Less => Err(Status::new(Code::INTERNAL, "unexpected EOF")),
        std::cmp::Ordering::Greater => Err(Status::new(
            Code::INTERNAL,
            "cardinality violation: expected <EOF> for non server-streaming RPCs, but received another message",
        )),
        std::cmp::Ordering::Equal => Ok(rest),
    }
}

/// A gRPC status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code(pub u32);

impl Code {
    pub const OK: Code = Code(0);
    pub const UNKNOWN: Code = Code(2);
    pub const DEADLINE_EXCEEDED: Code = Code(4);
    pub const NOT_FOUND: Code = Code(5);
    pub const PERMISSION_DENIED: Code = Code(7);
    pub const RESOURCE_EXHAUSTED: Code = Code(8);
    pub const UNIMPLEMENTED: Code = Code(12);
    pub const INTERNAL: Code = Code(13);
    pub const UNAVAILABLE: Code = Code(14);
    pub const UNAUTHENTICATED: Code = Code(16);

    /// grpc-go's `codes.Code.String()`.
    pub fn name(self) -> String {
        const NAMES: [&str; 17] = [
            "OK",
            "Canceled",
            "Unknown",
            "InvalidArgument",
            "DeadlineExceeded",
            "NotFound",
            "AlreadyExists",
            "PermissionDenied",
            "ResourceExhausted",
            "FailedPrecondition",
            "Aborted",
            "OutOfRange",
            "Unimplemented",
            "Internal",
            "Unavailable",
            "DataLoss",
            "Unauthenticated",
        ];
        NAMES.get(self.0 as usize).map_or_else(|| format!("Code({})", self.0), |n| n.to_string())
    }

    /// grpc-go's code for an HTTP status that is not a gRPC answer (`HTTPStatusConvTab`).
    fn from_http(status: u16) -> Code {
        match status {
            400 => Code::INTERNAL,
            401 => Code::UNAUTHENTICATED,
            403 => Code::PERMISSION_DENIED,
            404 => Code::UNIMPLEMENTED,
            429 | 502..=504 => Code::UNAVAILABLE,
            _ => Code::UNKNOWN,
        }
    }
}

/// The outcome of a call that did not succeed: a code and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub code: Code,
    pub message: String,
}

impl Status {
    pub fn new(code: Code, message: impl Into<String>) -> Status {
        Status { code, message: message.into() }
    }

    /// grpc-go's verdict on response headers that are not a gRPC answer (a status other than 200,
    /// or a content type other than application/grpc*); None when they are one.
    pub fn from_response_head(status: u16, content_type: Option<&str>) -> Option<Status> {
        let grpc = content_type.is_some_and(is_grpc_content_type);
        if status == 200 && grpc {
            return None;
        }
        let mut reasons = Vec::new();
        if status != 200 {
            let text = http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("");
            reasons.push(format!("unexpected HTTP status code received from server: {status} ({text})"));
        }
        match content_type {
            None => reasons.push("malformed header: missing HTTP content-type".into()),
            Some(ct) if !grpc => reasons.push(format!("transport: received unexpected content-type {ct:?}")),
            Some(_) => {}
        }
        Some(Status::new(Code::from_http(status), reasons.join("; ")))
    }
}

impl fmt::Display for Status {
    /// grpc-go's `status.Error` text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rpc error: code = {} desc = {}", self.code.name(), self.message)
    }
}

/// `application/grpc`, optionally with a `+subtype` or `;parameters`.
fn is_grpc_content_type(ct: &str) -> bool {
    ct.strip_prefix(CONTENT_TYPE).is_some_and(|rest| rest.is_empty() || rest.starts_with(['+', ';']))
}

/// The `grpc-message` header's percent-encoding: bytes outside printable ASCII, and `%`.
pub fn encode_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for b in message.bytes() {
        if (0x20..=0x7e).contains(&b) && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `grpc-message`; malformed escapes are kept as they are.
pub fn decode_message(header: &str) -> String {
    let bytes = header.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match hex.filter(|_| bytes[i] == b'%').and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_protoc_bytes() {
        assert_eq!(encode_request(""), b"");
        assert_eq!(encode_request("hello"), b"\x0a\x05hello");
        assert_eq!(encode_response(ServingStatus::SERVING), b"\x08\x01");
        assert_eq!(encode_response(ServingStatus::UNKNOWN), b"", "proto3 leaves out defaults");
        assert_eq!(decode_request(b"\x0a\x05hello").unwrap(), "hello");
        assert_eq!(decode_request(b"").unwrap(), "");
        assert_eq!(decode_response(b"\x08\x02").unwrap(), ServingStatus::NOT_SERVING);
        assert_eq!(decode_response(b"").unwrap(), ServingStatus::UNKNOWN);
        // Unknown fields are skipped; the last occurrence of a field wins.
        assert_eq!(decode_response(b"\x12\x01x\x08\x02\x08\x01").unwrap(), ServingStatus::SERVING);
        assert_eq!(decode_response(&encode_response(ServingStatus(-1))).unwrap(), ServingStatus(-1));
        assert_eq!(decode_response(b"\x08"), Err(Malformed));
        assert_eq!(decode_request(b"\x0a\x01\xff"), Err(Malformed), "strings are UTF-8");
        assert_eq!((ServingStatus::NOT_SERVING.name(), ServingStatus(7).name()), ("NOT_SERVING".into(), "7".into()));
    }

    #[test]
    fn framing_holds_exactly_one_uncompressed_message() {
        let framed = frame(b"\x08\x01");
        assert_eq!(framed, b"\x00\x00\x00\x00\x02\x08\x01");
        assert_eq!(unframe(&framed).unwrap(), b"\x08\x01");
        assert_eq!(unframe(&frame(b"")).unwrap(), b"");
        let err = |body: &[u8]| unframe(body).unwrap_err().to_string();
        assert_eq!(err(b""), "rpc error: code = Internal desc = unexpected EOF");
        assert_eq!(err(b"\x00\x00\x00\x00\x02\x08"), "rpc error: code = Internal desc = unexpected EOF");
        assert!(err(b"\x01\x00\x00\x00\x00").contains("compressed flag"));
        assert!(err(&[&framed[..], &framed[..]].concat()).contains("cardinality violation"));
        assert_eq!(
            err(b"\x00\x7f\x00\x00\x00"),
            "rpc error: code = ResourceExhausted desc = grpc: received message larger than max (2130706432 vs. 4194304)"
        );
    }

    #[test]
    fn non_grpc_answers_read_as_grpc_go_reads_them() {
        let s = |status, ct| Status::from_response_head(status, ct).map(|s| s.to_string());
        assert_eq!(s(200, Some("application/grpc")), None);
        assert_eq!(s(200, Some("application/grpc+proto")), None);
        assert_eq!(
            s(404, Some("text/plain; charset=utf-8")).unwrap(),
            "rpc error: code = Unimplemented desc = unexpected HTTP status code received from server: 404 (Not Found); transport: received unexpected content-type \"text/plain; charset=utf-8\""
        );
        assert_eq!(
            s(503, None).unwrap(),
            "rpc error: code = Unavailable desc = unexpected HTTP status code received from server: 503 (Service Unavailable); malformed header: missing HTTP content-type"
        );
        assert_eq!(
            s(200, Some("application/grpcx")).unwrap(),
            "rpc error: code = Unknown desc = transport: received unexpected content-type \"application/grpcx\""
        );
        assert_eq!(Code(99).name(), "Code(99)");
    }

    #[test]
    fn grpc_message_is_percent_encoded() {
        assert_eq!(encode_message("100% ünknown\n"), "100%25 %C3%BCnknown%0A");
        assert_eq!(decode_message("100%25 %C3%BCnknown%0A"), "100% ünknown\n");
        assert_eq!(decode_message("50%"), "50%");
        assert_eq!(decode_message("%zz%4"), "%zz%4");
    }
}
