//! gRPC probes against real h2c servers on 127.0.0.1: the demo app itself, and small servers
//! that answer one way each.

use super::*;
use crate::demo::app::{Settings, serve};
use crate::probe::target::{Attempt, Target};
use crate::probe::transport::Tcp;
use crate::runtime::fake::FakeRuntime;
use http_body_util::{Empty, StreamBody};
use hyper::body::Frame;
use hyper::service::service_fn;
use k8s_openapi::api::core::v1::Container;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const SECOND: Duration = Duration::from_secs(1);

/// Runs `f` against a target whose container port 50051 is published at `addr`.
async fn with_target<T>(addr: SocketAddr, f: impl AsyncFnOnce(&Target<'_>) -> T) -> T {
    let runtime = FakeRuntime::new();
    let container = Container::default();
    let ports = BTreeMap::from([(50051u16, addr)]);
    f(&Target { runtime: &runtime, container_id: "x", container: &container, ports: &ports, transport: &Tcp }).await
}

fn action(service: &str) -> GRPCAction {
    GRPCAction { port: 50051, service: (!service.is_empty()).then(|| service.into()) }
}

async fn probe(addr: SocketAddr, service: &str) -> Outcome {
    with_target(addr, async |t| grpc(&action(service), SECOND, t).await).await
}

/// The demo app, serving on a fresh port until the test ends.
async fn demo_app(settings: Settings) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, Arc::new(settings), std::future::pending()));
    addr
}

#[tokio::test]
async fn the_demo_app_serves_health_for_the_server_and_for_hello() {
    let addr = demo_app(Settings::default()).await;
    assert_eq!(probe(addr, "").await, Outcome::Success);
    assert_eq!(probe(addr, "hello").await, Outcome::Success);
    assert_eq!(
        probe(addr, "not-served").await,
        Outcome::Failure("error: health rpc probe failed: rpc error: code = NotFound desc = unknown service".into())
    );
}

#[tokio::test]
async fn not_serving_fails_with_the_kubelets_message() {
    let failing = Settings { liveness_fails_after: Some(Duration::ZERO), never_ready: true, ..Settings::default() };
    let addr = demo_app(failing).await;
    let unhealthy = Outcome::Failure("service unhealthy (responded with \"NOT_SERVING\")".into());
    assert_eq!(probe(addr, "").await, unhealthy, "the server follows /healthz");
    assert_eq!(probe(addr, "hello").await, unhealthy, "hello follows /readyz");
}

#[tokio::test]
async fn nothing_listening_is_a_connect_failure_and_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let message = format!("timeout: failed to connect service \"{addr}\" within 1s: context deadline exceeded");
    assert_eq!(probe(addr, "").await, Outcome::Failure(message.clone()));
    let attempt = with_target(addr, async |t| attempt(&action(""), SECOND, t).await).await;
    assert!(matches!(attempt, Attempt::Unreachable(m) if m == message), "the first probe retries");
}

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;
type Reply = fn() -> hyper::Response<Body>;

/// Accepts connections on a fresh 127.0.0.1 port, each handled by `connection` on its own task.
async fn listen<F>(connection: impl Fn(TcpStream) -> F + Send + 'static) -> SocketAddr
where
    F: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(connection(stream));
        }
    });
    addr
}

/// An h2c server that reports each request on `seen` and answers with `reply` after `delay`.
async fn h2c_server_after(delay: Duration, reply: Reply) -> (SocketAddr, mpsc::UnboundedReceiver<Request<Bytes>>) {
    let (seen, requests) = mpsc::unbounded_channel();
    let addr = listen(move |stream| {
        let seen = seen.clone();
        let service = service_fn(move |req: Request<Incoming>| {
            let seen = seen.clone();
            async move {
                let (head, body) = req.into_parts();
                let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                let _ = seen.send(Request::from_parts(head, body));
                tokio::time::sleep(delay).await;
                Ok::<_, Infallible>(reply())
            }
        });
        let conn = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
        async move {
            let _ = conn.serve_connection(TokioIo::new(stream), service).await;
        }
    })
    .await;
    (addr, requests)
}

async fn h2c_server(reply: Reply) -> (SocketAddr, mpsc::UnboundedReceiver<Request<Bytes>>) {
    h2c_server_after(Duration::ZERO, reply).await
}

fn grpc_head() -> http::response::Builder {
    hyper::Response::builder().header("content-type", "application/grpc")
}

/// A gRPC answer carrying `status`, with grpc-status 0 in trailers unless `trailers` is false.
fn health_answer(status: ServingStatus, trailers: bool) -> hyper::Response<Body> {
    let mut frames = vec![Frame::data(Bytes::from(wire::frame(&wire::encode_response(status))))];
    if trailers {
        frames.push(Frame::trailers(HeaderMap::from_iter([(
            http::HeaderName::from_static("grpc-status"),
            http::HeaderValue::from_static("0"),
        )])));
    }
    grpc_head().body(StreamBody::new(futures_util::stream::iter(frames.into_iter().map(Ok))).boxed()).unwrap()
}

#[tokio::test]
async fn the_request_is_a_health_check_from_kube_probe() {
    let (addr, mut seen) = h2c_server(|| health_answer(ServingStatus::SERVING, true)).await;
    assert_eq!(probe(addr, "web").await, Outcome::Success);
    let req = seen.recv().await.unwrap();
    assert_eq!(
        (req.method(), req.uri().path(), req.version()),
        (&Method::POST, wire::CHECK_PATH, http::Version::HTTP_2)
    );
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(header("content-type"), "application/grpc");
    assert_eq!(header("te"), "trailers");
    assert_eq!(header("user-agent"), PROBE_USER_AGENT);
    let budget: u64 = header("grpc-timeout").strip_suffix('m').unwrap().parse().unwrap();
    assert!((900..=1000).contains(&budget), "the deadline travels: {budget}ms");
    assert_eq!(req.body().as_ref(), wire::frame(&wire::encode_request("web")).as_slice());
}

#[tokio::test]
async fn answers_that_are_not_serving_or_not_grpc_fail_like_the_kubelets() {
    let service_unknown = h2c_server(|| health_answer(ServingStatus::SERVICE_UNKNOWN, true)).await;
    assert_eq!(
        probe(service_unknown.0, "").await,
        Outcome::Failure("service unhealthy (responded with \"SERVICE_UNKNOWN\")".into())
    );
    let no_trailers = h2c_server(|| health_answer(ServingStatus::SERVING, false)).await;
    assert_eq!(
        probe(no_trailers.0, "").await,
        Outcome::Failure("error: health rpc probe failed: rpc error: code = Unknown desc = ".into()),
        "without grpc-status the call did not succeed"
    );
    let http_404 = h2c_server(|| {
        hyper::Response::builder().status(404).header("content-type", "text/plain").body(Empty::new().boxed()).unwrap()
    })
    .await;
    assert_eq!(
        probe(http_404.0, "").await,
        Outcome::Failure("error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unexpected HTTP status code received from server: 404 (Not Found); transport: received unexpected content-type \"text/plain\"".into())
    );
    let message = h2c_server(|| {
        grpc_head()
            .header("grpc-status", "14")
            .header("grpc-message", "going%20away")
            .body(Empty::new().boxed())
            .unwrap()
    })
    .await;
    assert_eq!(
        probe(message.0, "").await,
        Outcome::Failure("error: health rpc probe failed: rpc error: code = Unavailable desc = going away".into())
    );
}

#[tokio::test]
async fn a_check_that_outlives_the_timeout_fails_as_a_timeout() {
    let (addr, _) = h2c_server_after(Duration::from_secs(5), || health_answer(ServingStatus::SERVING, true)).await;
    let started = Instant::now();
    assert_eq!(probe(addr, "").await, Outcome::Failure("timeout: health rpc did not complete within 1s".into()));
    assert!(started.elapsed() < Duration::from_millis(1500), "timeoutSeconds bounds the whole call");
}

#[tokio::test]
async fn a_port_that_closes_at_once_or_speaks_http1_is_not_connected() {
    // Docker's userland proxy accepts on a published port and closes when nothing listens inside.
    let closing = listen(|stream| async move { drop(stream) }).await;
    let attempt = with_target(closing, async |t| attempt(&action(""), SECOND, t).await).await;
    assert!(matches!(&attempt, Attempt::Unreachable(m) if m.starts_with("timeout: failed to connect service")));
    let http1 = listen(|stream| async move {
        let service = service_fn(|_req: Request<Incoming>| async {
            Ok::<_, Infallible>(hyper::Response::new(Empty::<Bytes>::new()))
        });
        let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
    })
    .await;
    let outcome = probe(http1, "").await;
    assert!(
        matches!(&outcome, Outcome::Failure(m) if m.starts_with("timeout: failed to connect service")),
        "{outcome:?}"
    );
}

#[test]
fn verdicts_read_like_the_kubelets() {
    let v = |answer| verdict(answer, Duration::from_secs(90));
    assert_eq!(v(Ok(ServingStatus::SERVING)), Outcome::Success);
    assert_eq!(v(Ok(ServingStatus(9))), Outcome::Failure("service unhealthy (responded with \"9\")".into()));
    assert_eq!(
        v(Err(Status::new(Code::DEADLINE_EXCEEDED, "x"))),
        Outcome::Failure("timeout: health rpc did not complete within 1m30s".into())
    );
    assert_eq!(
        v(Err(Status::new(Code::UNIMPLEMENTED, "unknown service grpc.health.v1.Health"))),
        Outcome::Failure("error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health".into())
    );
}
