//! The proxy's failures and the one table mapping each to a status and a plain-text body that
//! says what happened. A body names the pod but never an address: those stay in the log.

use http::StatusCode;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyError {
    /// No pod is ready behind the Service.
    NoEndpoints { service: String },
    /// The pod refused or dropped the connection before the request was sent. The body never
    /// shows where the pod was reached: that address is the host's business, not the client's.
    Connect { pod: String, reason: String },
    /// The pod failed after the request was sent (reset, malformed response).
    Upstream { pod: String, reason: String },
    /// The pod sent no response headers in time.
    Timeout { pod: String, after: Duration },
    /// The client's request body could not be read (a broken chunked encoding, say).
    ClientBody { reason: String },
    /// The request target cannot be sent on to a pod.
    BadTarget,
}

impl ProxyError {
    pub fn status(&self) -> StatusCode {
        match self {
            ProxyError::NoEndpoints { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ProxyError::Connect { .. } | ProxyError::Upstream { .. } => StatusCode::BAD_GATEWAY,
            ProxyError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            ProxyError::ClientBody { .. } | ProxyError::BadTarget => StatusCode::BAD_REQUEST,
        }
    }

    pub fn body(&self) -> String {
        match self {
            ProxyError::NoEndpoints { service } => {
                format!("503 Service Unavailable: service {service} has no ready endpoints\n")
            }
            ProxyError::Connect { pod, reason } => format!("502 Bad Gateway: cannot connect to pod {pod}: {reason}\n"),
            ProxyError::Upstream { pod, reason } => {
                format!("502 Bad Gateway: pod {pod} failed to answer: {reason}\n")
            }
            ProxyError::Timeout { pod, after } => {
                format!("504 Gateway Timeout: pod {pod} sent no response within {after:?}\n")
            }
            ProxyError::ClientBody { reason } => {
                format!("400 Bad Request: the request body could not be read: {reason}\n")
            }
            ProxyError::BadTarget => "400 Bad Request: the request target cannot be forwarded\n".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_has_its_status_and_a_clear_body() {
        let e = ProxyError::NoEndpoints { service: "default/web".into() };
        assert_eq!(
            (e.status().as_u16(), e.body().as_str()),
            (503, "503 Service Unavailable: service default/web has no ready endpoints\n")
        );
        let e = ProxyError::Connect { pod: "web-1".into(), reason: "connection refused".into() };
        assert_eq!(
            (e.status().as_u16(), e.body().as_str()),
            (502, "502 Bad Gateway: cannot connect to pod web-1: connection refused\n")
        );
        let e = ProxyError::ClientBody { reason: "invalid chunk size".into() };
        assert_eq!(e.status().as_u16(), 400, "the client's fault, not the pod's");
        assert_eq!(ProxyError::Upstream { pod: "p".into(), reason: "reset".into() }.status().as_u16(), 502);
        assert_eq!(ProxyError::Timeout { pod: "p".into(), after: Duration::from_secs(60) }.status().as_u16(), 504);
    }
}
