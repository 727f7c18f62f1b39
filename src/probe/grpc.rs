//! gRPC probes as the kubelet runs them (`pkg/probe/grpc`): one `grpc.health.v1.Health/Check`
//! over a fresh plaintext HTTP/2 connection (h2c, prior knowledge, as with insecure credentials)
//! to the container's published port, `service` from the probe, SERVING = success, everything
//! within timeoutSeconds. Result messages are the kubelet's, word for word.

pub mod wire;

use super::Outcome;
use super::target::{Attempt, Target};
use super::transport::Connection;
use crate::printers::duration::go_duration;
use crate::version::PROBE_USER_AGENT;
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use k8s_openapi::api::core::v1::GRPCAction;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::time::{Instant, timeout_at};
use wire::{Code, ServingStatus, Status};

pub async fn grpc(action: &GRPCAction, timeout: Duration, target: &Target<'_>) -> Outcome {
    super::target::settle(attempt(action, timeout, target).await)
}

/// One probe: the health service's answer, or no HTTP/2 connection to the app at all.
pub(super) async fn attempt(action: &GRPCAction, timeout: Duration, target: &Target<'_>) -> Attempt {
    let addr = match target.addr(&IntOrString::Int(action.port)) {
        Ok(a) => a,
        Err(e) => return Attempt::Answered(Outcome::Failure(e)),
    };
    let service = action.service.as_deref().unwrap_or_default();
    let deadline = Instant::now() + timeout;
    // grpc-go keeps redialling until the deadline, so the kubelet reports a refused or dropped
    // connection as a connect timeout.
    let not_connected = format!(
        "timeout: failed to connect service {:?} within {}: context deadline exceeded",
        addr.to_string(),
        go_duration(timeout)
    );
    let stream = match timeout_at(deadline, target.transport.connect(addr)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(_)) => return Attempt::Unreachable(not_connected),
        Err(_) => return Attempt::Answered(Outcome::Failure(not_connected)),
    };
    match timeout_at(deadline, check(stream, addr, service, deadline)).await {
        // As in grpc-go, the call's deadline passing is status DeadlineExceeded.
        Err(_) => {
            Attempt::Answered(verdict(Err(Status::new(Code::DEADLINE_EXCEEDED, "context deadline exceeded")), timeout))
        }
        Ok(Err(NotConnected)) => Attempt::Unreachable(not_connected),
        Ok(Ok(answer)) => Attempt::Answered(verdict(answer, timeout)),
    }
}

/// The kubelet's reading of the call's result.
fn verdict(answer: Result<ServingStatus, Status>, timeout: Duration) -> Outcome {
    match answer {
        Ok(ServingStatus::SERVING) => Outcome::Success,
        Ok(other) => Outcome::Failure(format!("service unhealthy (responded with {:?})", other.name())),
        Err(s) if s.code == Code::UNIMPLEMENTED => Outcome::Failure(format!(
            "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): {}",
            s.message
        )),
        Err(s) if s.code == Code::DEADLINE_EXCEEDED => {
            Outcome::Failure(format!("timeout: health rpc did not complete within {}", go_duration(timeout)))
        }
        Err(s) => Outcome::Failure(format!("error: health rpc probe failed: {s}")),
    }
}

/// No HTTP/2 connection could be set up, or it broke before the server answered.
struct NotConnected;

/// Calls Check once over a new HTTP/2 connection on `stream` and reads the whole answer,
/// driving the connection meanwhile.
async fn check(
    stream: Box<dyn Connection>,
    addr: SocketAddr,
    service: &str,
    deadline: Instant,
) -> Result<Result<ServingStatus, Status>, NotConnected> {
    let (mut sender, connection) = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
        .await
        .map_err(|_| NotConnected)?;
    let request = request(addr, service, deadline);
    let call = async {
        let response = sender.send_request(request).await.map_err(|_| NotConnected)?;
        Ok(read(response).await)
    };
    tokio::pin!(call, connection);
    tokio::select! {
        biased;
        answer = &mut call => answer,
        // The connection ended: the call finishes with whatever arrived before.
        _ = &mut connection => call.await,
    }
}

fn request(addr: SocketAddr, service: &str, deadline: Instant) -> Request<Full<Bytes>> {
    let body = Full::new(Bytes::from(wire::frame(&wire::encode_request(service))));
    let left = deadline.saturating_duration_since(Instant::now());
    let mut request = Request::new(body);
    *request.method_mut() = Method::POST;
    *request.uri_mut() = format!("http://{addr}{}", wire::CHECK_PATH).parse().unwrap_or_default();
    let headers = request.headers_mut();
    headers.insert("content-type", http::HeaderValue::from_static(wire::CONTENT_TYPE));
    headers.insert("te", http::HeaderValue::from_static("trailers"));
    headers.insert("user-agent", http::HeaderValue::from_static(PROBE_USER_AGENT));
    if let Ok(v) = format!("{}m", left.as_millis().max(1)).parse() {
        headers.insert("grpc-timeout", v);
    }
    request
}

/// The call's result from a response: its headers, its one message and its trailers.
async fn read(response: hyper::Response<Incoming>) -> Result<ServingStatus, Status> {
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok());
    if let Some(status) = Status::from_response_head(response.status().as_u16(), content_type) {
        return Err(status);
    }
    let (head, mut body) = response.into_parts();
    let mut data = BytesMut::new();
    let mut trailers = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Status::new(Code::INTERNAL, e.to_string()))?;
        match frame.into_data() {
            Ok(chunk) => {
                data.extend_from_slice(&chunk);
                if data.len() > wire::MAX_MESSAGE + 5 {
                    // Too large, or more than one message: unframe says which, without reading on.
                    wire::unframe(&data)?;
                }
            }
            Err(frame) => trailers = frame.into_trailers().ok(),
        }
    }
    // A trailers-only answer carries grpc-status in its headers.
    let status = grpc_status(trailers.as_ref().unwrap_or(&head.headers));
    if status.code != Code::OK {
        return Err(status);
    }
    let message = wire::unframe(&data)?;
    wire::decode_response(message)
        .map_err(|e| Status::new(Code::INTERNAL, format!("grpc: failed to unmarshal the received message: {e}")))
}

/// grpc-status and grpc-message; a missing status is Unknown, as grpc-go takes it.
fn grpc_status(headers: &HeaderMap) -> Status {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let code = match text("grpc-status").map(str::parse::<u32>) {
        Some(Ok(code)) => Code(code),
        Some(Err(e)) => return Status::new(Code::INTERNAL, format!("transport: malformed grpc-status: {e}")),
        None => Code::UNKNOWN,
    };
    Status::new(code, text("grpc-message").map(wire::decode_message).unwrap_or_default())
}

#[cfg(test)]
mod tests;
