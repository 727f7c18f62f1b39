//! HTTP(S) probes against real servers on 127.0.0.1.

use super::*;
use crate::probe::transport::Tcp;
use crate::runtime::fake::FakeRuntime;
use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use k8s_openapi::api::core::v1::{Container, HTTPHeader};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;
use std::convert::Infallible;
use tokio::net::TcpListener;

/// A server answering by path: /ok, /fail, /redirect (same host), /away (other host), /slow,
/// /headers (200 only with kube-probe's User-Agent and the X-Probe header).
async fn serve(listener: TcpListener, tls: Option<tokio_rustls::TlsAcceptor>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { return };
        let tls = tls.clone();
        tokio::spawn(async move {
            let service = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                let ua = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                let custom = req.headers().get("x-probe").is_some();
                let (status, location) = match req.uri().path() {
                    "/ok" => (200, None),
                    "/fail" => (503, None),
                    "/redirect" => (302, Some("/ok")),
                    "/away" => (302, Some("http://example.invalid/ok")),
                    "/slow" => {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        (200, None)
                    }
                    "/headers" if ua == crate::version::PROBE_USER_AGENT && custom => (200, None),
                    _ => (404, None),
                };
                let mut resp = hyper::Response::new(Full::new(Bytes::from_static(b"body")));
                *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                if let Some(l) = location {
                    resp.headers_mut().insert("location", l.parse().unwrap());
                }
                Ok::<_, Infallible>(resp)
            });
            let builder = hyper::server::conn::http1::Builder::new();
            match tls {
                Some(acceptor) => {
                    if let Ok(s) = acceptor.accept(stream).await {
                        let _ = builder.serve_connection(TokioIo::new(s), service).await;
                    }
                }
                None => {
                    let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                }
            }
        });
    }
}

fn acceptor() -> tokio_rustls::TlsAcceptor {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let key = tokio_rustls::rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
    let provider = Arc::new(ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

async fn probe(path: &str, tls: bool, headers: Vec<HTTPHeader>) -> Outcome {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, tls.then(acceptor)));
    let runtime = FakeRuntime::new();
    let container = Container::default();
    let ports = BTreeMap::from([(8080u16, addr)]);
    let target = Target { runtime: &runtime, container_id: "x", container: &container, ports: &ports, transport: &Tcp };
    let action = HTTPGetAction {
        path: Some(path.into()),
        port: IntOrString::Int(8080),
        scheme: Some(if tls { "HTTPS" } else { "HTTP" }.into()),
        http_headers: Some(headers),
        ..Default::default()
    };
    http_get(&action, Duration::from_secs(1), &target).await
}

#[tokio::test]
async fn status_codes_redirects_headers_and_timeouts() {
    assert_eq!(probe("/ok", false, vec![]).await, Outcome::Success);
    assert_eq!(probe("/fail", false, vec![]).await, Outcome::Failure("HTTP probe failed with statuscode: 503".into()));
    assert_eq!(probe("/redirect", false, vec![]).await, Outcome::Success, "same-host redirects are followed");
    assert_eq!(
        probe("/away", false, vec![]).await,
        Outcome::Warning("Probe terminated redirects, Response body: body".into())
    );
    let header = HTTPHeader { name: "X-Probe".into(), value: "1".into() };
    assert_eq!(probe("/headers", false, vec![header]).await, Outcome::Success);
    let slow = probe("/slow", false, vec![]).await;
    assert!(
        matches!(&slow, Outcome::Failure(m) if m.ends_with("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")),
        "{slow:?}"
    );
}

#[tokio::test]
async fn https_probes_do_not_verify_certificates() {
    assert_eq!(probe("/ok", true, vec![]).await, Outcome::Success);
    assert_eq!(probe("/fail", true, vec![]).await, Outcome::Failure("HTTP probe failed with statuscode: 503".into()));
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let runtime = FakeRuntime::new();
    let container = Container::default();
    let ports = BTreeMap::from([(8080u16, addr)]);
    let target = Target { runtime: &runtime, container_id: "x", container: &container, ports: &ports, transport: &Tcp };
    let action = HTTPGetAction { port: IntOrString::Int(8080), ..Default::default() };
    let outcome = http_get(&action, Duration::from_secs(1), &target).await;
    assert_eq!(
        outcome,
        Outcome::Failure(format!("Get \"http://{addr}/\": dial tcp {addr}: connect: connection refused"))
    );
}
