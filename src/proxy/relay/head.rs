//! HTTP/1.1 heads as the relay forwards them (RFC 9110, 9112): a client's request head judged
//! for whether the relay carries it or hyper serves the connection, and rewritten for the pod
//! (hop-by-hop headers dropped, X-Forwarded-* set, as `headers` does for hyper's path); a pod's
//! response head, the framing of its body, and the head the client is sent.

use super::super::headers::{HOP_BY_HOP, X_FORWARDED_FOR, X_FORWARDED_HOST, X_FORWARDED_PROTO};
use super::super::version_affinity;
use std::io::Write;
use std::net::IpAddr;

/// At most this many header fields in a head (hyper's limit too).
const MAX_HEADERS: usize = 100;
/// A pod's response head larger than this is not an answer.
pub const MAX_RESPONSE_HEAD: usize = 64 * 1024;

/// A client's request as the relay carries it; its head for the pod is in the caller's buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    /// Bytes of the head in the client's buffer.
    pub head_len: usize,
    /// The body's length (`Content-Length`; none is 0).
    pub body: u64,
    /// A `HEAD` request: the answer has no body whatever its headers say.
    pub head_method: bool,
    /// Safe to send again when a pod failed without answering (RFC 9110 §9.2.2).
    pub idempotent: bool,
    /// The client asked to close the connection after the answer.
    pub close: bool,
    /// The revision the client's version cookie names (asked for only on version-affine routes).
    pub pin: Option<String>,
}

/// What a client's buffered bytes are.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Not a whole head yet.
    Partial,
    /// A request the relay carries.
    Relay(Request),
    /// Something for hyper: a protocol upgrade, `Expect`, a chunked body, HTTP/1.0, a target
    /// not in origin form, or a head that is not valid HTTP (hyper answers those).
    Hyper,
}

/// Parses the request head at the start of `buf` and, for one the relay carries, writes the
/// head the pod is sent into `out` (cleared first).
pub fn request(buf: &[u8], client: IpAddr, want_pin: bool, out: &mut Vec<u8>) -> Parsed {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut fields);
    let head_len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(_) => return Parsed::Hyper,
    };
    let (Some(method), Some(path), Some(1)) = (req.method, req.path, req.version) else {
        return Parsed::Hyper;
    };
    if method == "CONNECT" || !(path.starts_with('/') || path == "*") {
        return Parsed::Hyper;
    }
    let mut body: Option<u64> = None;
    let connection = tokens(req.headers, "connection");
    let mut forwarded_for: Vec<&[u8]> = Vec::new();
    let mut host = None;
    for h in req.headers.iter() {
        let name = h.name;
        if ["transfer-encoding", "expect", "upgrade"].iter().any(|n| name.eq_ignore_ascii_case(n)) {
            return Parsed::Hyper;
        }
        if name.eq_ignore_ascii_case("content-length") {
            match (content_length(h.value), body) {
                (Some(n), None) => body = Some(n),
                (Some(n), Some(prior)) if n == prior => {}
                _ => return Parsed::Hyper,
            }
        } else if name.eq_ignore_ascii_case("host") {
            host = Some(h.value);
        } else if name.eq_ignore_ascii_case(X_FORWARDED_FOR) {
            forwarded_for.push(h.value);
        }
    }
    let pin = want_pin
        .then(|| {
            let cookies = req.headers.iter().filter(|h| h.name.eq_ignore_ascii_case("cookie")).map(|h| h.value);
            version_affinity::pinned_in(cookies).map(str::to_owned)
        })
        .flatten();
    out.clear();
    let _ = write!(out, "{method} {path} HTTP/1.1\r\n");
    let replaced = [X_FORWARDED_FOR, X_FORWARDED_PROTO, X_FORWARDED_HOST];
    for h in req.headers.iter() {
        if !hop_by_hop(h.name, &connection) && !replaced.iter().any(|n| h.name.eq_ignore_ascii_case(n)) {
            field(out, h.name.as_bytes(), h.value);
        }
    }
    out.extend_from_slice(X_FORWARDED_FOR.as_bytes());
    out.extend_from_slice(b": ");
    for prior in forwarded_for {
        out.extend_from_slice(prior);
        out.extend_from_slice(b", ");
    }
    let _ = write!(out, "{client}\r\n{X_FORWARDED_PROTO}: http\r\n");
    if let Some(host) = host {
        field(out, X_FORWARDED_HOST.as_bytes(), host);
    }
    out.extend_from_slice(b"\r\n");
    Parsed::Relay(Request {
        head_len,
        body: body.unwrap_or(0),
        head_method: method == "HEAD",
        idempotent: matches!(method, "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" | "TRACE"),
        close: connection.iter().any(|t| t.eq_ignore_ascii_case("close")),
        pin,
    })
}

/// How a response body ends (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// No body: an answer to `HEAD`, a 204 or a 304.
    Empty,
    /// `Content-Length` bytes.
    Length(u64),
    /// Chunked transfer coding, passed through as it is.
    Chunked,
    /// Until the pod closes the connection (the client's connection closes after it too).
    Close,
}

/// A pod's response head.
#[derive(Debug, PartialEq, Eq)]
pub struct Response {
    pub head_len: usize,
    pub status: u16,
    pub framing: Framing,
    /// The pod's connection can carry another request after this answer.
    pub reusable: bool,
}

/// What a pod's buffered bytes are.
#[derive(Debug, PartialEq, Eq)]
pub enum ParsedResponse {
    Partial,
    /// A 1xx other than 101, `head_len` bytes, to pass on before the final answer.
    Interim(usize),
    Final(Response),
    Invalid,
}

/// Parses the response head at the start of `buf` and, for a final one, writes the head the
/// client is sent into `out` (cleared first): hop-by-hop headers dropped, `set_cookie` added,
/// and `Connection: close` when `closing` or when the body ends with the pod's connection.
pub fn response(
    buf: &[u8],
    head_method: bool,
    closing: bool,
    set_cookie: Option<&str>,
    out: &mut Vec<u8>,
) -> ParsedResponse {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut fields);
    let head_len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() < MAX_RESPONSE_HEAD => return ParsedResponse::Partial,
        _ => return ParsedResponse::Invalid,
    };
    let (Some(version), Some(status)) = (resp.version, resp.code) else {
        return ParsedResponse::Invalid;
    };
    match status {
        101 => return ParsedResponse::Invalid,
        100..=199 => return ParsedResponse::Interim(head_len),
        _ => {}
    }
    let connection = tokens(resp.headers, "connection");
    let mut length: Option<u64> = None;
    let mut chunked = None;
    for h in resp.headers.iter() {
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            // The last coding listed decides; a later field continues the list.
            chunked = Some(last_token(h.value).is_some_and(|t| t.eq_ignore_ascii_case(b"chunked")));
        } else if h.name.eq_ignore_ascii_case("content-length") {
            match (content_length(h.value), length) {
                (Some(n), None) => length = Some(n),
                (Some(n), Some(prior)) if n == prior => {}
                _ => return ParsedResponse::Invalid,
            }
        }
    }
    let framing = match (chunked, length) {
        _ if head_method || status == 204 || status == 304 => Framing::Empty,
        (Some(true), _) => Framing::Chunked,
        (Some(false), _) | (None, None) => Framing::Close,
        (None, Some(n)) => Framing::Length(n),
    };
    let keep_alive = match version {
        1 => !connection.iter().any(|t| t.eq_ignore_ascii_case("close")),
        _ => connection.iter().any(|t| t.eq_ignore_ascii_case("keep-alive")),
    };
    out.clear();
    let _ = write!(out, "HTTP/1.1 {status} {}\r\n", resp.reason.unwrap_or(""));
    for h in resp.headers.iter() {
        let framing_field = h.name.eq_ignore_ascii_case("transfer-encoding")
            || (chunked.is_some() && h.name.eq_ignore_ascii_case("content-length"));
        let kept = match framing_field {
            // The body goes through as framed, so its transfer coding is named as it was.
            true => h.name.eq_ignore_ascii_case("transfer-encoding"),
            false => !hop_by_hop(h.name, &connection) && !h.name.eq_ignore_ascii_case("upgrade"),
        };
        if kept {
            field(out, h.name.as_bytes(), h.value);
        }
    }
    if let Some(cookie) = set_cookie {
        field(out, b"set-cookie", cookie.as_bytes());
    }
    if closing || framing == Framing::Close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    let reusable = keep_alive && framing != Framing::Close;
    ParsedResponse::Final(Response { head_len, status, framing, reusable })
}

/// The whole answer for a failure of the proxy's own.
pub fn error(status: http::StatusCode, body: &str, close: bool) -> Vec<u8> {
    let connection = if close { "connection: close\r\n" } else { "" };
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\n{connection}\r\n{body}",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes()
}

fn field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// A hop-by-hop field, or one the `Connection` field names.
fn hop_by_hop(name: &str, connection: &[&str]) -> bool {
    HOP_BY_HOP.iter().chain(connection).any(|n| name.eq_ignore_ascii_case(n))
}

/// The comma-separated tokens of every field called `name`.
fn tokens<'a>(headers: &[httparse::Header<'a>], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(name))
        .filter_map(|h| std::str::from_utf8(h.value).ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

fn last_token(value: &[u8]) -> Option<&[u8]> {
    value.rsplit(|b| *b == b',').next().map(<[u8]>::trim_ascii).filter(|t| !t.is_empty())
}

/// A `Content-Length` value: digits only (RFC 9110 §8.6), no sign, no list.
fn content_length(value: &[u8]) -> Option<u64> {
    let digits = value.trim_ascii();
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 1, 2, 3));

    fn relay(head: &str) -> (Parsed, String) {
        let mut out = Vec::new();
        let parsed = request(head.as_bytes(), CLIENT, true, &mut out);
        (parsed, String::from_utf8(out).unwrap())
    }

    #[test]
    fn a_request_goes_on_without_hop_by_hop_fields_and_with_forwarded_ones() {
        let (parsed, out) = relay(
            "GET /a?b HTTP/1.1\r\nHost: web\r\nConnection: keep-alive, x-secret\r\nX-Secret: 1\r\nKeep-Alive: 5\r\n\
             TE: trailers\r\nX-Forwarded-For: 1.1.1.1\r\nx-forwarded-for: 2.2.2.2\r\nX-Forwarded-Proto: https\r\nAccept: */*\r\n\r\n",
        );
        let Parsed::Relay(req) = parsed else { panic!("{parsed:?}") };
        assert_eq!((req.body, req.head_method, req.idempotent, req.close, req.pin), (0, false, true, false, None));
        assert_eq!(
            out,
            "GET /a?b HTTP/1.1\r\nHost: web\r\nAccept: */*\r\nx-forwarded-for: 1.1.1.1, 2.2.2.2, 10.1.2.3\r\n\
             x-forwarded-proto: http\r\nx-forwarded-host: web\r\n\r\n"
        );
    }

    #[test]
    fn the_head_length_body_length_close_and_version_cookie_are_read() {
        let head = "POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\nconnection: close\r\ncookie: a=1; skiff-version=7d9c\r\n\r\nhello";
        let (Parsed::Relay(req), _) = relay(head) else { panic!() };
        assert_eq!(
            req,
            Request {
                head_len: head.len() - 5,
                body: 5,
                head_method: false,
                idempotent: false,
                close: true,
                pin: Some("7d9c".into())
            }
        );
        assert_eq!(relay("GET / HTTP/1.1\r\nhost: a\r\n").0, Parsed::Partial);
    }

    /// What hyper serves instead: upgrades, `Expect`, chunked bodies, HTTP/1.0, `CONNECT`,
    /// absolute-form targets, conflicting lengths and heads that are not HTTP.
    #[test]
    fn what_the_relay_does_not_carry_goes_to_hyper() {
        for head in [
            "GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
            "POST / HTTP/1.1\r\nExpect: 100-continue\r\ncontent-length: 3\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/1.0\r\n\r\n",
            "CONNECT a:443 HTTP/1.1\r\n\r\n",
            "GET http://a/ HTTP/1.1\r\n\r\n",
            "POST / HTTP/1.1\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\n",
            "POST / HTTP/1.1\r\ncontent-length: +3\r\n\r\n",
            "GET / HTTP/1.1\r\nbad header\r\n\r\n",
            "\x16\x03\x01 tls",
        ] {
            assert_eq!(relay(head).0, Parsed::Hyper, "{head:?}");
        }
        let (parsed, _) = relay("OPTIONS * HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\ncontent-length: 0\r\n\r\n");
        assert!(matches!(parsed, Parsed::Relay(Request { body: 0, .. })), "{parsed:?}");
    }

    fn answer(head: &str, head_method: bool, closing: bool) -> (ParsedResponse, String) {
        let mut out = Vec::new();
        let parsed =
            response(head.as_bytes(), head_method, closing, Some("skiff-version=r1; Path=/; HttpOnly"), &mut out);
        (parsed, String::from_utf8(out).unwrap())
    }

    #[test]
    fn a_response_keeps_its_framing_and_loses_hop_by_hop_fields() {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-App: 1\r\n\r\n";
        let (parsed, out) = answer(head, false, false);
        assert_eq!(
            parsed,
            ParsedResponse::Final(Response {
                head_len: head.len(),
                status: 200,
                framing: Framing::Length(12),
                reusable: true
            })
        );
        assert_eq!(
            out,
            "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nX-App: 1\r\nset-cookie: skiff-version=r1; Path=/; HttpOnly\r\n\r\n"
        );
        let chunked = "HTTP/1.1 201 Created\r\ncontent-length: 3\r\ntransfer-encoding: gzip, chunked\r\n\r\n";
        let (parsed, out) = answer(chunked, false, true);
        assert!(matches!(parsed, ParsedResponse::Final(Response { framing: Framing::Chunked, reusable: true, .. })));
        assert_eq!(
            out,
            "HTTP/1.1 201 Created\r\ntransfer-encoding: gzip, chunked\r\nset-cookie: skiff-version=r1; Path=/; HttpOnly\r\nconnection: close\r\n\r\n",
            "a length next to a transfer coding is dropped (RFC 9112 §6.3)"
        );
    }

    #[test]
    fn bodies_end_by_length_by_chunks_by_close_or_not_at_all() {
        let framing = |head: &str, head_method: bool| match answer(head, head_method, false).0 {
            ParsedResponse::Final(r) => (r.framing, r.reusable),
            other => panic!("{other:?}"),
        };
        assert_eq!(framing("HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\n", true), (Framing::Empty, true));
        assert_eq!(framing("HTTP/1.1 204 No Content\r\n\r\n", false), (Framing::Empty, true));
        assert_eq!(framing("HTTP/1.1 304 Not Modified\r\ncontent-length: 7\r\n\r\n", false), (Framing::Empty, true));
        assert_eq!(framing("HTTP/1.1 200 OK\r\n\r\n", false), (Framing::Close, false));
        assert_eq!(framing("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n", false), (Framing::Close, false));
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\ncontent-length: 1\r\nconnection: close\r\n\r\n", false),
            (Framing::Length(1), false)
        );
        assert_eq!(framing("HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\n", false), (Framing::Length(1), false));
        assert_eq!(
            framing("HTTP/1.0 200 OK\r\ncontent-length: 1\r\nconnection: keep-alive\r\n\r\n", false),
            (Framing::Length(1), true)
        );
        let (_, out) = answer("HTTP/1.1 200 OK\r\n\r\n", false, false);
        assert!(out.ends_with("connection: close\r\n\r\n"), "{out}");
    }

    #[test]
    fn interim_answers_pass_and_broken_ones_are_invalid() {
        let early = "HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n";
        assert_eq!(answer(&format!("{early}HTTP/1.1 200 OK"), false, false).0, ParsedResponse::Interim(early.len()));
        assert_eq!(answer("HTTP/1.1 200 OK\r\n", false, false).0, ParsedResponse::Partial);
        for head in [
            "HTTP/1.1 101 Switching Protocols\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
            "SSH-2.0-OpenSSH\r\n\r\n",
        ] {
            assert_eq!(answer(head, false, false).0, ParsedResponse::Invalid, "{head:?}");
        }
        let huge = format!("HTTP/1.1 200 OK\r\nx: {}", "a".repeat(MAX_RESPONSE_HEAD));
        assert_eq!(answer(&huge, false, false).0, ParsedResponse::Invalid, "a head that never ends");
    }

    proptest::proptest! {
        /// Whatever a client or a pod sends, parsing it never panics, and a head the relay
        /// carries is valid HTTP again after its rewriting.
        #[test]
        fn any_bytes_are_parsed_without_a_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let mut out = Vec::new();
            if let Parsed::Relay(_) = request(&bytes, CLIENT, true, &mut out) {
                let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS + 3];
                proptest::prop_assert!(httparse::Request::new(&mut fields).parse(&out).is_ok_and(|s| s.is_complete()));
            }
            let _ = response(&bytes, false, false, None, &mut out);
        }
    }

    #[test]
    fn the_proxys_own_answers_say_their_length() {
        let e = String::from_utf8(error(http::StatusCode::SERVICE_UNAVAILABLE, "none\n", true)).unwrap();
        assert_eq!(
            e,
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 5\r\nconnection: close\r\n\r\nnone\n"
        );
    }
}
