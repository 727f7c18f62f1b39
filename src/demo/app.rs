//! The demo app every lesson runs: a tiny HTTP/1.1 and h2c server answering `/` with its MESSAGE
//! and pod name, `/healthz` and `/readyz` for probes, gRPC health checks (see `grpc_health`),
//! `/stream` and `/echo` for the proxy, and 404 to any other path, as a real server would. Its
//! environment knobs serve labs (slow to become ready, never ready, liveness failing, crashing,
//! slow answers, late to listen). On SIGTERM it stops accepting, finishes what is in flight and
//! exits 0. `check` is what exec probes run inside the image, which has no shell and no curl.

mod grpc_health;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::time::Instant;

/// The knobs, read from the environment.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub port: u16,
    pub message: String,
    pub pod: String,
    /// /readyz fails until this long after start.
    pub ready_after: Duration,
    pub never_ready: bool,
    /// /healthz fails from this long after start on.
    pub liveness_fails_after: Option<Duration>,
    /// The process exits with status 1 this long after start.
    pub crash_after: Option<Duration>,
    /// Every `/` answer waits this long.
    pub response_delay: Duration,
    /// The port is only opened this long after start (for TCP probes).
    pub listen_after: Duration,
}

fn secs(var: &str) -> Option<Duration> {
    std::env::var(var).ok()?.parse::<f64>().ok().filter(|s| *s >= 0.0).map(Duration::from_secs_f64)
}

impl Settings {
    pub fn from_env() -> Settings {
        let pod = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        Settings {
            port: std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8080),
            message: std::env::var("MESSAGE").unwrap_or_else(|_| "Hello world!".into()),
            pod,
            ready_after: secs("READY_AFTER_SECONDS").unwrap_or_default(),
            never_ready: std::env::var("NEVER_READY").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false"),
            liveness_fails_after: secs("LIVENESS_FAIL_AFTER_SECONDS"),
            crash_after: secs("CRASH_AFTER_SECONDS"),
            response_delay: std::env::var("RESPONSE_DELAY_MS")
                .ok()
                .and_then(|m| m.parse().ok())
                .map(Duration::from_millis)
                .unwrap_or_default(),
            listen_after: secs("LISTEN_AFTER_SECONDS").unwrap_or_default(),
        }
    }
}

impl Settings {
    /// What /healthz answers `up` after start: false once LIVENESS_FAIL_AFTER_SECONDS passed.
    pub(super) fn live(&self, up: Duration) -> bool {
        self.liveness_fails_after.is_none_or(|after| up < after)
    }

    /// What /readyz answers `up` after start.
    pub(super) fn ready(&self, up: Duration) -> bool {
        !self.never_ready && up >= self.ready_after
    }
}

pub(super) type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

fn reply(status: StatusCode, content_type: &str, body: String, pod: &str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("x-pod-name", pod)
        .body(Full::new(Bytes::from(body)).boxed())
        .unwrap_or_default()
}

fn page(s: &Settings) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n<head><title>Hello Kubernetes!</title></head>\n<body>\n<h1>{}</h1>\n<p>pod: {}</p>\n</body>\n</html>\n",
        s.message, s.pod
    )
}

fn query_number(req: &Request<Incoming>, key: &str) -> Option<u64> {
    form_urlencoded::parse(req.uri().query()?.as_bytes()).find(|(k, _)| k == key)?.1.parse().ok()
}

/// `/stream?chunks=N&interval_ms=M`: N chunks, M ms apart (streaming through the proxy).
fn stream(chunks: u64, interval: Duration, pod: &str) -> Response<Body> {
    let frames = futures_util::stream::unfold(0u64, move |i| async move {
        if i >= chunks {
            return None;
        }
        if i > 0 {
            tokio::time::sleep(interval).await;
        }
        Some((Ok::<_, Infallible>(Frame::data(Bytes::from(format!("chunk {i}\n")))), i + 1))
    });
    Response::builder()
        .header("content-type", "text/plain")
        .header("x-pod-name", pod)
        .body(StreamBody::new(frames).boxed())
        .unwrap_or_default()
}

/// The longest `/work` burns, so that a load test stays bounded.
pub const MAX_WORK: Duration = Duration::from_millis(1000);

/// `/work?ms=N`: keeps one CPU busy for N ms (at most `MAX_WORK`) and answers how long it
/// computed, the load the autoscaling lesson scales on.
async fn work(ms: u64, pod: &str) -> Response<Body> {
    let budget = Duration::from_millis(ms).min(MAX_WORK);
    let spins = tokio::task::spawn_blocking(move || {
        let start = Instant::now();
        let mut spins = 0u64;
        while start.elapsed() < budget {
            for _ in 0..1000 {
                spins = std::hint::black_box(spins.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        }
        spins
    })
    .await
    .unwrap_or_default();
    let body = format!("worked {} ms ({spins:x})\n", budget.as_millis());
    reply(StatusCode::OK, "text/plain", body, pod)
}

async fn handle(s: Arc<Settings>, started: Instant, req: Request<Incoming>) -> Response<Body> {
    let up = started.elapsed();
    let path = req.uri().path().to_string();
    let resp = match path.as_str() {
        "/healthz" if s.live(up) => reply(StatusCode::OK, "text/plain", "ok\n".into(), &s.pod),
        "/healthz" => reply(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", "unhealthy\n".into(), &s.pod),
        "/readyz" if s.ready(up) => reply(StatusCode::OK, "text/plain", "ready\n".into(), &s.pod),
        "/readyz" => reply(StatusCode::SERVICE_UNAVAILABLE, "text/plain", "not ready\n".into(), &s.pod),
        grpc_health::PATH => grpc_health::check(&s, up, req).await,
        "/stream" => {
            let chunks = query_number(&req, "chunks").unwrap_or(5);
            stream(chunks, Duration::from_millis(query_number(&req, "interval_ms").unwrap_or(100)), &s.pod)
        }
        "/work" => work(query_number(&req, "ms").unwrap_or(100), &s.pod).await,
        "/echo" => {
            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            reply(StatusCode::OK, "application/octet-stream", String::from_utf8_lossy(&body).into_owned(), &s.pod)
        }
        "/" => {
            let delay = query_number(&req, "delay_ms").map(Duration::from_millis).unwrap_or(s.response_delay);
            tokio::time::sleep(delay).await;
            reply(StatusCode::OK, "text/html; charset=utf-8", page(&s), &s.pod)
        }
        // Go's net/http wording, as most servers a lab meets.
        _ => reply(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", "404 page not found\n".into(), &s.pod),
    };
    log_request(up, &path, resp.status().as_u16());
    resp
}

/// Requests logged per second at most; the rest are counted in one summary line per second, so
/// a load test does not turn into a logging test.
const LOG_LINES_PER_SECOND: u64 = 20;

fn log_request(up: Duration, path: &str, status: u16) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SECOND: AtomicU64 = AtomicU64::new(0);
    static IN_SECOND: AtomicU64 = AtomicU64::new(0);
    let now = up.as_secs();
    let previous = SECOND.swap(now, Ordering::Relaxed);
    if previous != now {
        let n = IN_SECOND.swap(0, Ordering::Relaxed);
        if n > LOG_LINES_PER_SECOND {
            println!("{previous}s: {} more requests", n - LOG_LINES_PER_SECOND);
        }
    }
    if IN_SECOND.fetch_add(1, Ordering::Relaxed) < LOG_LINES_PER_SECOND {
        println!("{now}s {path} {status}");
    }
}

/// Serves until SIGTERM or SIGINT, then drains and returns.
pub async fn run(settings: Settings) -> std::io::Result<()> {
    tokio::time::sleep(settings.listen_after).await;
    let listener = TcpListener::bind(("0.0.0.0", settings.port)).await?;
    println!("{} listening on :{} as {}", settings.message, settings.port, settings.pod);
    serve(listener, Arc::new(settings), shutdown_signal()).await
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

/// Serves on `listener` until `stop` resolves, then lets every open request finish.
pub async fn serve(
    listener: TcpListener,
    s: Arc<Settings>,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let started = Instant::now();
    let graceful = GracefulShutdown::new();
    // HTTP/1.1, and HTTP/2 with prior knowledge (h2c) for Services that declare it.
    let server = auto::Builder::new(TokioExecutor::new());
    let crash = async {
        match s.crash_after {
            Some(after) => tokio::time::sleep(after).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(stop, crash);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = &mut crash => {
                println!("crashing as asked (CRASH_AFTER_SECONDS)");
                std::process::exit(1);
            }
            accepted = listener.accept() => {
                let (stream, _) = accepted?;
                let _ = stream.set_nodelay(true);
                let s = s.clone();
                let service = service_fn(move |req| {
                    let s = s.clone();
                    async move { Ok::<_, Infallible>(handle(s, started, req).await) }
                });
                let conn = server.serve_connection(TokioIo::new(stream), service).into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
        }
    }
    println!("SIGTERM: finishing requests in flight");
    let _ = tokio::time::timeout(Duration::from_secs(60), graceful.shutdown()).await;
    Ok(())
}

/// `skiff demo-probe URL`: GET an http:// URL; true for a 2xx or 3xx answer.
pub fn check(url: &str) -> bool {
    use std::io::{Read, Write};
    let Some(rest) = url.strip_prefix("http://") else { return false };
    let (authority, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
    let Ok(mut stream) = std::net::TcpStream::connect(authority) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET {path} HTTP/1.0\r\nHost: {authority}\r\n\r\n");
    let mut head = [0u8; 12];
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_exact(&mut head).is_ok()
        && matches!(head.get(9), Some(b'2') | Some(b'3'))
}

#[cfg(test)]
mod tests;
