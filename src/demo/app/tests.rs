//! The demo app over real sockets: the paths lessons, probes and examples use answer, any other
//! path is 404.

use super::*;

async fn start(settings: Settings) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, Arc::new(settings), std::future::pending()));
    addr
}

async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let resp = reqwest::Client::builder().no_proxy().build().unwrap().get(format!("http://{addr}{path}")).send().await;
    let resp = resp.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test]
async fn known_paths_answer_and_unknown_paths_are_404() {
    let addr = start(Settings { message: "Hi".into(), pod: "web-1".into(), ..Settings::default() }).await;
    for path in ["/", "/?delay_ms=1", "/healthz", "/readyz", "/stream?chunks=1", "/echo"] {
        assert_eq!(get(addr, path).await.0, 200, "{path}");
    }
    assert!(get(addr, "/").await.1.contains("<h1>Hi</h1>"));
    for path in ["/nope", "/healthz/", "/index.html", "/grpc.health.v1.Health/Watch"] {
        assert_eq!(get(addr, path).await, (404, "404 page not found\n".to_string()), "{path}");
    }
}

#[tokio::test]
async fn probes_paths_follow_the_knobs() {
    let addr =
        start(Settings { liveness_fails_after: Some(Duration::ZERO), never_ready: true, ..Settings::default() }).await;
    assert_eq!(get(addr, "/healthz").await.0, 500);
    assert_eq!(get(addr, "/readyz").await.0, 503);
}

#[test]
fn grpc_health_claims_the_server_and_hello() {
    use crate::probe::grpc::wire::ServingStatus;
    let s = Settings { ready_after: Duration::from_secs(5), ..Settings::default() };
    let status = |up, service| grpc_health::serving_status(&s, Duration::from_secs(up), service);
    assert_eq!(status(0, ""), Some(ServingStatus::SERVING));
    assert_eq!(status(0, "hello"), Some(ServingStatus::NOT_SERVING), "hello follows /readyz");
    assert_eq!(status(5, "hello"), Some(ServingStatus::SERVING));
    assert_eq!(status(5, "grpc.health.v1.Health"), None);
}

#[tokio::test]
async fn work_burns_cpu_for_a_bounded_time() {
    let addr = start(Settings::default()).await;
    let (status, body) = get(addr, "/work?ms=20").await;
    assert_eq!(status, 200);
    assert!(body.starts_with("worked 20 ms"), "{body}");
    let started = Instant::now();
    let (_, body) = get(addr, "/work?ms=999999").await;
    assert!(body.starts_with("worked 1000 ms"), "bounded by MAX_WORK: {body}");
    assert!(started.elapsed() < Duration::from_secs(5));
}
