//! The demo app's `grpc.health.v1.Health/Check`, answered as grpc-go's health server does: the
//! whole server (service `""`) is SERVING while /healthz answers 200, service `"hello"` while
//! /readyz does (NOT_SERVING otherwise), and any other service is unknown: status NOT_FOUND.

use super::{Body, Settings};
use crate::probe::grpc::wire::{self, Code, ServingStatus, Status};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response};
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use std::convert::Infallible;
use std::time::Duration;

pub const PATH: &str = wire::CHECK_PATH;

/// The named service the demo claims besides the whole server.
pub const SERVICE: &str = "hello";

/// The answer for `service` `up` after start; None for a service the app does not serve.
pub fn serving_status(s: &Settings, up: Duration, service: &str) -> Option<ServingStatus> {
    let healthy = match service {
        "" => s.live(up),
        SERVICE => s.ready(up),
        _ => return None,
    };
    Some(if healthy { ServingStatus::SERVING } else { ServingStatus::NOT_SERVING })
}

pub async fn check(s: &Settings, up: Duration, req: Request<Incoming>) -> Response<Body> {
    let body = match Limited::new(req.into_body(), wire::MAX_MESSAGE + 5).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return failed(Status::new(Code::RESOURCE_EXHAUSTED, e.to_string()), &s.pod),
    };
    let request = wire::unframe(&body).and_then(|m| {
        wire::decode_request(m)
            .map_err(|e| Status::new(Code::INTERNAL, format!("grpc: error unmarshalling request: {e}")))
    });
    match request.map(|service| serving_status(s, up, &service)) {
        Ok(Some(status)) => answer(status, &s.pod),
        Ok(None) => failed(Status::new(Code::NOT_FOUND, "unknown service"), &s.pod),
        Err(status) => failed(status, &s.pod),
    }
}

fn head(pod: &str) -> http::response::Builder {
    Response::builder().header("content-type", wire::CONTENT_TYPE).header("x-pod-name", pod)
}

/// A message, then trailers with grpc-status 0.
fn answer(status: ServingStatus, pod: &str) -> Response<Body> {
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from_static("0"));
    let message = Bytes::from(wire::frame(&wire::encode_response(status)));
    let frames = [Frame::data(message), Frame::trailers(trailers)].map(Ok::<_, Infallible>);
    head(pod).body(StreamBody::new(futures_util::stream::iter(frames)).boxed()).unwrap_or_default()
}

/// A trailers-only answer: the status in the headers and no body.
fn failed(status: Status, pod: &str) -> Response<Body> {
    head(pod)
        .header("grpc-status", status.code.0.to_string())
        .header("grpc-message", wire::encode_message(&status.message))
        .body(Full::new(Bytes::new()).boxed())
        .unwrap_or_default()
}
