//! The proxy on real sockets (issue 5), in-process: test backends are small HTTP servers on
//! 127.0.0.1 published to the proxy the way the kubelet publishes pods. Even spread per request
//! over keep-alive, unready pods skipped, streaming and upgrades passed through, retry on a
//! refused connection, ClientIP affinity, HTTP/2 to pods whose Service port declares h2c,
//! abusive clients cut off while others are served, and the error statuses.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::{Value, json};
use skiff::clock::Clock;
use skiff::kubelet::endpoints::{EndpointSink, PodEndpoint};
use skiff::model::Kind;
use skiff::model::validation::PodSecurityPolicy;
use skiff::proxy::binder::fake::AnyFreePort;
use skiff::proxy::{self, Proxy};
use skiff::registry::services::ServicePorts;
use skiff::registry::{Registry, WriteOptions};
use skiff::store::Store;
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

/// The size of `/big`'s answer: many HTTP/2 flow-control windows.
const BIG: usize = 8 << 20;

/// A backend named `name` speaking HTTP/1.1 and h2c: `/` answers with x-pod-name and
/// x-http-version, `/big` with 8 MiB, `/slow` after 2 s, `/stream` in five chunks 200 ms apart, and
/// `Upgrade: echo` switches to an echo protocol.
async fn backend(name: &'static str) -> SocketAddr {
    backend_counted(name).await.0
}

/// [`backend`], with a count of the connections it accepted.
async fn backend_counted(name: &'static str) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let service = service_fn(move |req: hyper::Request<Incoming>| async move {
                    Ok::<_, Infallible>(answer(name, req).await)
                });
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, accepted)
}

async fn answer(name: &'static str, mut req: hyper::Request<Incoming>) -> hyper::Response<Body> {
    let builder =
        hyper::Response::builder().header("x-pod-name", name).header("x-http-version", format!("{:?}", req.version()));
    match req.uri().path() {
        "/big" => builder.body(Full::new(Bytes::from(vec![b'x'; BIG])).boxed()).unwrap(),
        "/echo" => {
            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            builder.body(Full::new(body).boxed()).unwrap()
        }
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(2)).await;
            builder.body(Full::new(Bytes::from(name)).boxed()).unwrap()
        }
        "/stream" => {
            let frames = futures_util::stream::unfold(0, |i| async move {
                (i < 5).then_some(())?;
                tokio::time::sleep(Duration::from_millis(200)).await;
                Some((Ok::<_, Infallible>(Frame::data(Bytes::from(format!("chunk{i}\n")))), i + 1))
            });
            builder.body(StreamBody::new(frames).boxed()).unwrap()
        }
        _ if req.headers().get("upgrade").is_some_and(|u| u == "echo") => {
            let upgrade = hyper::upgrade::on(&mut req);
            tokio::spawn(async move {
                if let Ok(upgraded) = upgrade.await {
                    let mut io = TokioIo::new(upgraded);
                    let mut buf = [0u8; 64];
                    while let Ok(n) = io.read(&mut buf).await {
                        if n == 0 || io.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                }
            });
            builder
                .status(101)
                .header("connection", "upgrade")
                .header("upgrade", "echo")
                .body(Full::new(Bytes::new()).boxed())
                .unwrap()
        }
        _ => builder.body(Full::new(Bytes::from(name)).boxed()).unwrap(),
    }
}

struct Rig {
    proxy: Arc<Proxy>,
    port: u16,
    _stop: tokio_util::sync::DropGuard,
}

/// A proxy with one NodePort Service `web`, changed by `tweak` before it is created, and in
/// sync with its (test) kubelet.
async fn rig(limits: proxy::Config, tweak: impl FnOnce(&mut Value)) -> Rig {
    let rig = rig_before_sync(limits, tweak).await;
    rig.proxy.synced();
    rig
}

/// [`rig`] as at daemon start: its port is bound, but the kubelet has not published its pods yet.
/// The Service's nodePort is bound on a free port (port 0) by the test binder, which says where.
async fn rig_before_sync(config: proxy::Config, tweak: impl FnOnce(&mut Value)) -> Rig {
    let store = Arc::new(Store::in_memory(1000));
    let registry = Registry::new(store, Clock::system(), PodSecurityPolicy::default(), ServicePorts::default(), "node");
    let registry = Arc::new(registry.await.expect("registry"));
    let stop = CancellationToken::new();
    let binder = Arc::new(AnyFreePort::default());
    let config = proxy::Config { ports: binder.clone(), ..config };
    let (proxy, _task) = proxy::start(config, registry.clone(), stop.clone()).await.unwrap();
    let mut svc = json!({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}
    });
    tweak(&mut svc);
    let w = registry.create(Kind::Service, "default", svc, &WriteOptions::default()).await.unwrap();
    let node_port = w.object.to_json()["spec"]["ports"][0]["nodePort"].as_u64().unwrap() as u16;
    let wanted = SocketAddr::from(([127, 0, 0, 1], node_port));
    let bound = tokio::time::timeout(Duration::from_secs(5), binder.address_of(wanted)).await;
    let port = bound.unwrap_or_else(|_| panic!("the proxy never bound the nodePort {node_port}")).port();
    Rig { proxy, port, _stop: stop.drop_guard() }
}

impl Rig {
    async fn pod(&self, name: &str, addr: SocketAddr, ready: bool) {
        self.proxy
            .publish(PodEndpoint {
                uid: format!("uid-{name}"),
                namespace: "default".into(),
                name: name.into(),
                labels: BTreeMap::from([("app".into(), "web".into())]),
                ready,
                terminating: false,
                ports: BTreeMap::from([(8080, addr)]),
                port_names: BTreeMap::from([("http".into(), 8080)]),
                netns: None,
                serving: ready,
                ip: None,
            })
            .await;
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// The proxy's defaults, on 127.0.0.1.
fn config() -> proxy::Config {
    proxy::Config::new("127.0.0.1".parse().unwrap())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().pool_max_idle_per_host(1).build().unwrap()
}

async fn pod_of(c: &reqwest::Client, url: &str) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.headers().get("x-pod-name").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default())
}

#[tokio::test]
async fn keep_alive_requests_are_spread_evenly_and_unready_pods_skipped() {
    let r = rig(config(), |_| {}).await;
    for name in ["a", "b", "c"] {
        r.pod(name, backend(name).await, true).await;
    }
    let c = client();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for _ in 0..30 {
        *counts.entry(pod_of(&c, &r.url("/")).await.1).or_default() += 1;
    }
    assert_eq!(
        counts,
        HashMap::from([("a".into(), 10), ("b".into(), 10), ("c".into(), 10)]),
        "per request, over one connection"
    );
    r.pod("b", backend("b").await, false).await;
    for _ in 0..20 {
        assert_ne!(pod_of(&c, &r.url("/")).await.1, "b", "an unready pod gets no request");
    }
    let metrics = r.proxy.metrics.render(&|_, _| None);
    assert!(
        metrics.contains("skiff_proxy_requests_total{service=\"default/web\",pod=\"a\",code=\"2xx\"} 20"),
        "{metrics}"
    );
}

#[tokio::test]
async fn connections_wait_for_the_kubelet_at_start_instead_of_getting_503() {
    let r = rig_before_sync(config(), |_| {}).await;
    let url = r.url("/");
    let early = tokio::spawn(async move { pod_of(&client(), &url).await });
    // Not answered while the proxy does not know the pods (a 503 would come back at once).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!early.is_finished(), "answered before the kubelet had published its pods");
    r.pod("a", backend("a").await, true).await;
    r.proxy.synced();
    let answered = tokio::time::timeout(Duration::from_secs(5), early).await.expect("answered once in sync");
    assert_eq!(answered.unwrap(), (200, "a".to_string()));
}

#[tokio::test]
async fn bodies_stream_and_upgrades_pass_through() {
    let r = rig(config(), |_| {}).await;
    r.pod("a", backend("a").await, true).await;
    assert_streams_and_upgrades(&r).await;
}

/// `/stream` arrives chunk by chunk, and an `Upgrade: echo` request becomes an echo tunnel.
async fn assert_streams_and_upgrades(r: &Rig) {
    let started = std::time::Instant::now();
    let resp = client().get(r.url("/stream")).send().await.unwrap();
    let mut body = resp.bytes_stream();
    let first = futures_util::StreamExt::next(&mut body).await.unwrap().unwrap();
    assert_eq!(first, Bytes::from("chunk0\n"));
    assert!(started.elapsed() < Duration::from_millis(800), "the first chunk came before the last was sent");
    let mut rest = Vec::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut body).await {
        rest.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(String::from_utf8(rest).unwrap(), "chunk1\nchunk2\nchunk3\nchunk4\n");

    let mut s = TcpStream::connect(("127.0.0.1", r.port)).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n").await.unwrap();
    let mut head = vec![0u8; 512];
    let n = s.read(&mut head).await.unwrap();
    let head = String::from_utf8_lossy(&head[..n]).to_lowercase();
    assert!(head.starts_with("http/1.1 101") && head.contains("upgrade: echo"), "{head}");
    s.write_all(b"ping").await.unwrap();
    let mut echo = [0u8; 4];
    s.read_exact(&mut echo).await.unwrap();
    assert_eq!(&echo, b"ping");
}

#[tokio::test]
async fn a_refused_connection_is_retried_on_another_pod() {
    let r = rig(config(), |_| {}).await;
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    r.pod("dead", closed, true).await;
    r.pod("live", backend("live").await, true).await;
    let c = client();
    for _ in 0..10 {
        assert_eq!(pod_of(&c, &r.url("/")).await, (200, "live".to_string()));
    }
    // Nothing reached the refused pod, so any method goes to another, body and all.
    for i in 0..10 {
        let resp = c.post(r.url("/echo")).body(format!("payload {i}")).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.text().await.unwrap(), format!("payload {i}"));
    }
    let empty_post = c.post(r.url("/")).send().await.unwrap();
    assert_eq!(pod_name(&empty_post), "live");
}

fn pod_name(resp: &reqwest::Response) -> &str {
    resp.headers().get("x-pod-name").and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// Sends raw bytes on a fresh connection; returns everything the proxy sent back.
async fn raw(port: u16, request: &[u8]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut reply)).await;
    String::from_utf8_lossy(&reply).into_owned()
}

#[tokio::test]
async fn a_broken_client_body_is_a_400_and_no_answer_shows_an_internal_address() {
    let r = rig(config(), |_| {}).await;
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    r.pod("dead", closed, true).await;
    // With only a refused pod, the 502 names the pod but not where it listens.
    let reply = raw(r.port, b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await;
    assert!(reply.starts_with("HTTP/1.1 502") && reply.contains("pod dead"), "{reply}");
    assert!(!reply.contains("127.0.0.1"), "{reply}");
    r.pod("dead", backend("live").await, true).await;
    let reply = raw(r.port, b"OPTIONS * HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await;
    assert!(reply.starts_with("HTTP/1.1 200") && !reply.contains("127.0.0.1"), "{reply}");
    // A chunked body that breaks off is the client's fault.
    let broken = b"POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n\r\n";
    let reply = raw(r.port, broken).await;
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(!reply.contains("127.0.0.1"), "{reply}");
}

#[tokio::test]
async fn at_the_cap_idle_connections_make_room_for_new_clients() {
    let mut limits = config();
    limits.connections.max_connections = 8;
    let r = rig(limits, |_| {}).await;
    r.pod("a", backend("a").await, true).await;
    let mut idle = Vec::new();
    for _ in 0..50 {
        idle.push(TcpStream::connect(("127.0.0.1", r.port)).await.unwrap());
    }
    for _ in 0..20 {
        assert_eq!(pod_of(&client(), &r.url("/")).await, (200, "a".to_string()));
    }
    // Most idle connections were closed to make room; at most the cap remain open.
    let mut open = 0;
    for mut s in idle {
        let mut b = [0u8; 1];
        if tokio::time::timeout(Duration::from_millis(50), s.read(&mut b)).await.is_err() {
            open += 1;
        }
    }
    assert!(open <= 8, "{open} idle connections still open past the cap of 8");
}

#[tokio::test]
async fn h2c_ports_multiplex_requests_over_one_http2_connection_per_pod() {
    let r = rig(config(), |svc| svc["spec"]["ports"][0]["appProtocol"] = json!("kubernetes.io/h2c")).await;
    let mut accepted = Vec::new();
    for name in ["a", "b"] {
        let (addr, connections) = backend_counted(name).await;
        r.pod(name, addr, true).await;
        accepted.push(connections);
    }
    let requests = (0..40).map(|_| {
        let url = r.url("/");
        async move {
            let resp = client().get(url).send().await.unwrap();
            let header = |h: &str| resp.headers().get(h).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
            (resp.status().as_u16(), header("x-pod-name"), header("x-http-version"))
        }
    });
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (status, pod, version) in futures_util::future::join_all(requests).await {
        assert_eq!((status, version.as_str()), (200, "HTTP/2.0"), "from pod {pod}");
        *counts.entry(pod).or_default() += 1;
    }
    assert_eq!(counts, HashMap::from([("a".into(), 20), ("b".into(), 20)]), "still per request round robin");
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (pod, connections) in ["a", "b"].iter().zip(&accepted) {
        let n = connections.load(Ordering::SeqCst);
        assert!((1..=workers).contains(&n), "40 concurrent requests reached pod {pod} over {n} connections");
    }

    // Large answers arrive whole; bodies still stream, and an upgrade goes over HTTP/1.1
    // (HTTP/2 has no Upgrade).
    let big = client().get(r.url("/big")).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(big.len(), BIG);
    assert_streams_and_upgrades(&r).await;
}

#[tokio::test]
async fn an_h2c_port_in_front_of_an_http1_only_pod_answers_502() {
    let r = rig(config(), |svc| svc["spec"]["ports"][0]["appProtocol"] = json!("kubernetes.io/h2c")).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = service_fn(|req| async move { Ok::<_, Infallible>(answer("old", req).await) });
            tokio::spawn(hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service));
        }
    });
    r.pod("old", addr, true).await;
    let resp = client().get(r.url("/")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 502);
    let body = resp.text().await.unwrap();
    assert!(body.starts_with("502 Bad Gateway: ") && body.contains("old"), "{body}");
}

#[tokio::test]
async fn client_ip_affinity_sticks_to_one_pod() {
    let r = rig(config(), |svc| svc["spec"]["sessionAffinity"] = json!("ClientIP")).await;
    for name in ["a", "b", "c"] {
        r.pod(name, backend(name).await, true).await;
    }
    let first = pod_of(&reqwest::Client::builder().no_proxy().build().unwrap(), &r.url("/")).await.1;
    for _ in 0..10 {
        let fresh = reqwest::Client::builder().no_proxy().build().unwrap();
        assert_eq!(pod_of(&fresh, &r.url("/")).await.1, first);
    }
}

#[tokio::test]
async fn oversized_headers_and_slow_clients_are_cut_off_while_others_are_served() {
    let mut limits = config();
    (limits.connections.header_timeout, limits.connections.max_header_bytes) = (Duration::from_millis(500), 8192);
    let r = rig(limits, |_| {}).await;
    r.pod("a", backend("a").await, true).await;
    // A slow client: half a request line, then nothing.
    let mut slow = TcpStream::connect(("127.0.0.1", r.port)).await.unwrap();
    slow.write_all(b"GET / HT").await.unwrap();
    // Meanwhile others are served.
    let c = client();
    assert_eq!(pod_of(&c, &r.url("/")).await, (200, "a".to_string()));
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(3), slow.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "the slow client was cut off");
    // Oversized headers get 431.
    let big = "x".repeat(20_000);
    let status = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(r.url("/"))
        .header("x-big", big)
        .send()
        .await
        .map(|r| r.status().as_u16());
    assert!(matches!(status, Ok(431) | Err(_)), "{status:?}");
    assert_eq!(pod_of(&c, &r.url("/")).await, (200, "a".to_string()));
    // Garbage is answered (or dropped), never crashes the listener.
    let mut junk = TcpStream::connect(("127.0.0.1", r.port)).await.unwrap();
    junk.write_all(b"\x00\x01\x02 NOT HTTP\r\n\r\n").await.unwrap();
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(2), junk.read_to_end(&mut reply)).await;
    assert!(reply.is_empty() || String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 400"));
    assert_eq!(pod_of(&c, &r.url("/")).await, (200, "a".to_string()));
}

#[tokio::test]
async fn failures_have_clear_statuses() {
    let limits = proxy::Config { response_timeout: Duration::from_millis(500), ..config() };
    let r = rig(limits, |_| {}).await;
    let c = client();
    let resp = c.get(r.url("/")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    assert_eq!(resp.text().await.unwrap(), "503 Service Unavailable: service default/web has no ready endpoints\n");
    r.pod("a", backend("a").await, true).await;
    let resp = c.get(r.url("/slow")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 504);
    assert_eq!(resp.text().await.unwrap(), "504 Gateway Timeout: pod a sent no response within 500ms\n");
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    r.pod("a", closed, true).await;
    // A GET is retried, but with no other pod the first pod's failure is the answer.
    let resp = c.get(r.url("/")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 502);
    let body = resp.text().await.unwrap();
    assert!(body.starts_with("502 Bad Gateway: ") && body.contains("pod a"), "{body}");
    let resp = c.post(r.url("/")).body("x").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 502);
    assert!(resp.text().await.unwrap().starts_with("502 Bad Gateway: "), "POST is not retried and gets a clear 502");
}

/// A pod speaking raw HTTP/1.1, for what hyper's servers never send: for the `n`th request
/// head on a connection (from 0), `script(head, n)` is written back, or the connection is
/// closed unanswered on `None`; an answer without a length or transfer coding ends by closing
/// it, and with `idle_close`, a connection is closed that long after each answer. Request bodies are read by their Content-Length. Counts the connections it accepted
/// and those it closed.
async fn raw_pod(
    script: fn(&str, usize) -> Option<String>,
    idle_close: Option<Duration>,
) -> (SocketAddr, Arc<[AtomicUsize; 2]>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counts: Arc<[AtomicUsize; 2]> = Arc::default();
    let counter = counts.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            counter[0].fetch_add(1, Ordering::SeqCst);
            let closed = counter.clone();
            tokio::spawn(async move {
                let _closed = Closed(closed);
                let mut buf = Vec::new();
                for n in 0.. {
                    let end = loop {
                        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break at + 4;
                        }
                        let mut more = [0u8; 4096];
                        match s.read(&mut more).await {
                            Ok(0) | Err(_) => return,
                            Ok(k) => buf.extend_from_slice(&more[..k]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                    let length = head
                        .lines()
                        .find_map(|l| l.to_lowercase().strip_prefix("content-length:")?.trim().parse().ok());
                    while buf.len() < end + length.unwrap_or(0) {
                        let mut more = [0u8; 4096];
                        let Ok(1..) = s.read(&mut more).await.map(|k| (k, buf.extend_from_slice(&more[..k])).0) else {
                            return;
                        };
                    }
                    buf.drain(..end + length.unwrap_or(0));
                    let Some(answer) = script(&head, n) else { return };
                    if s.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                    let framed =
                        ["content-length", "transfer-encoding"].iter().any(|f| answer.to_lowercase().contains(f));
                    if !framed && !head.starts_with("HEAD") {
                        return;
                    }
                    if let Some(after) = idle_close {
                        tokio::time::sleep(after).await;
                        return;
                    }
                }
            });
        }
    });
    (addr, counts)
}

/// Counts a connection closed when dropped.
struct Closed(Arc<[AtomicUsize; 2]>);

impl Drop for Closed {
    fn drop(&mut self) {
        self.0[1].fetch_add(1, Ordering::SeqCst);
    }
}

/// The status line of each answer in `reply` (raw HTTP/1.1; bodies may not end in a newline).
fn statuses(reply: &str) -> Vec<&str> {
    reply.match_indices("HTTP/1.1 ").filter_map(|(at, _)| reply[at..].split("\r\n").next()).collect()
}

/// A pod's keep-alive connections end on its terms: one it closed while idle is not used
/// again, and one it closes as the next request arrives costs a safe request nothing (it goes
/// again on a new connection to the same, only, pod) while an unsafe one gets a clear 502.
#[tokio::test]
async fn pooled_connections_the_pod_closed_cost_no_safe_request() {
    let r = rig(config(), |_| {}).await;
    // Closes each connection 20 ms after its answer, before the next request.
    let ok = |_: &str, _| Some("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".to_string());
    let (addr, counts) = raw_pod(ok, Some(Duration::from_millis(20))).await;
    r.pod("a", addr, true).await;
    let c = client();
    for i in 0..6 {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while counts[1].load(Ordering::SeqCst) < i {
            assert!(std::time::Instant::now() < deadline, "the pod never closed connection {i}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let resp = if i % 2 == 0 { c.get(r.url("/")).send().await } else { c.post(r.url("/")).body("x").send().await };
        let resp = resp.unwrap();
        assert_eq!((resp.status().as_u16(), resp.text().await.unwrap().as_str()), (200, "ok"), "request {i}");
    }
    assert_eq!(counts[0].load(Ordering::SeqCst), 6, "one connection per answer: none answered twice");

    // Answers once, then closes unanswered at the next request on the same connection.
    let (addr, counts) =
        raw_pod(|_, n| (n == 0).then(|| "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".into()), None).await;
    r.pod("a", addr, true).await;
    let reply = raw(r.port, b"GET / HTTP/1.1\r\nhost: x\r\n\r\nGET / HTTP/1.1\r\nhost: x\r\n\r\nPOST / HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\nconnection: close\r\n\r\nx").await;
    assert_eq!(statuses(&reply), ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 502 Bad Gateway"], "{reply}");
    assert!(reply.contains("pod a failed to answer"), "{reply}");
    assert_eq!(counts[0].load(Ordering::SeqCst), 2, "the second GET went again on a new connection");
}

/// The relay passes each framing through: a chunked body, one that ends with the pod's
/// connection (and then the client's), interim 103s before the answer, no body for HEAD;
/// pipelined requests are answered in order; the pod sees X-Forwarded-* and no hop-by-hop
/// field; a broken answer is a 502.
#[tokio::test]
async fn answers_keep_their_framing_and_pipelined_requests_their_order() {
    let r = rig(config(), |_| {}).await;
    let (addr, _) = raw_pod(
        |head, _| {
            let path = head.split(' ').nth(1).unwrap_or_default().to_string();
            Some(match path.as_str() {
                "/chunked" => {
                    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".into()
                }
                "/early" => {
                    "HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nearly"
                        .into()
                }
                "/bad" => "HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n".into(),
                "/close" => "HTTP/1.1 200 OK\r\nkeep-alive: timeout=5\r\n\r\nuntil the end".into(),
                _ if head.starts_with("HEAD") => "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n".into(),
                _ => format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{head}", head.len()),
            })
        },
        None,
    )
    .await;
    r.pod("a", addr, true).await;
    let pipelined = "HEAD / HTTP/1.1\r\nhost: x\r\n\r\nGET /chunked HTTP/1.1\r\nhost: x\r\n\r\nGET /early HTTP/1.1\r\nhost: x\r\n\r\n\
                     GET /bad HTTP/1.1\r\nhost: x\r\n\r\nGET /echo HTTP/1.1\r\nhost: web\r\nconnection: keep-alive, x-hop\r\nx-hop: 1\r\nte: trailers\r\n\r\n\
                     GET /close HTTP/1.1\r\nhost: x\r\n\r\nGET /never HTTP/1.1\r\nhost: x\r\n\r\n";
    let reply = raw(r.port, pipelined.as_bytes()).await;
    let expected = [
        "HTTP/1.1 200 OK",
        "HTTP/1.1 200 OK",
        "HTTP/1.1 103 Early Hints",
        "HTTP/1.1 200 OK",
        "HTTP/1.1 502 Bad Gateway",
        "HTTP/1.1 200 OK",
        "HTTP/1.1 200 OK",
    ];
    assert_eq!(statuses(&reply), expected, "{reply}");
    assert!(reply.contains("content-length: 5\r\n\r\nHTTP/1.1 200 OK"), "no body after HEAD: {reply}");
    assert!(reply.contains("transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), "{reply}");
    assert!(reply.contains("link: </a>") && reply.contains("\r\n\r\nearly"), "{reply}");
    let echoed = reply
        .split("GET /echo")
        .nth(1)
        .and_then(|rest| rest.split("HTTP/1.1 200").next())
        .unwrap_or_default()
        .to_lowercase();
    assert!(echoed.contains("x-forwarded-for: 127.0.0.1") && echoed.contains("x-forwarded-host: web"), "{echoed}");
    assert!(
        !echoed.contains("x-hop") && !echoed.contains("te: trailers") && !echoed.contains("\r\nconnection"),
        "{echoed}"
    );
    assert!(
        reply.ends_with("connection: close\r\n\r\nuntil the end"),
        "the client's connection ends with the body: {reply}"
    );
    assert!(!reply.to_lowercase().contains("keep-alive: timeout"), "{reply}");
}

/// Requests the relay does not carry move the connection to hyper, requests already relayed
/// on it and all: here a protocol upgrade after two plain requests.
#[tokio::test]
async fn an_upgrade_after_relayed_requests_still_switches_protocols() {
    let r = rig(config(), |_| {}).await;
    r.pod("a", backend("a").await, true).await;
    let mut s = TcpStream::connect(("127.0.0.1", r.port)).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\nGET / HTTP/1.1\r\nhost: x\r\n\r\nGET / HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: echo\r\n\r\n")
        .await
        .unwrap();
    let mut reply = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !String::from_utf8_lossy(&reply).to_lowercase().contains("upgrade: echo") {
        let mut more = [0u8; 1024];
        let n = tokio::time::timeout_at(deadline, s.read(&mut more)).await.expect("answers in time").unwrap();
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&reply));
        reply.extend_from_slice(&more[..n]);
    }
    let text = String::from_utf8_lossy(&reply).into_owned();
    assert_eq!(statuses(&text), ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 101 Switching Protocols"], "{text}");
    s.write_all(b"ping").await.unwrap();
    let mut echo = [0u8; 4];
    s.read_exact(&mut echo).await.unwrap();
    assert_eq!(&echo, b"ping");
}
