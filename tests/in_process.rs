//! The whole daemon in-process: `daemon::run` itself, on the recording fake runtime and a fake
//! network (a port binder that hands Services free loopback ports, a probe transport that
//! answers in memory), with a paused clock, through a 3-replica rolling update and its
//! `rollout undo`, driven over the API by the CLI's own commands. No Docker; virtual time, so
//! the run takes well under a second.

use k8s_openapi::api::apps::v1::Deployment;
use skiff::cli::Cli;
use skiff::cli::client::Client;
use skiff::daemon::{self, Config, Connections, Network};
use skiff::model::validation::PodSecurityPolicy;
use skiff::probe::transport::fake::Answering;
use skiff::proxy::binder::fake::AnyFreePort;
use skiff::registry::services::ServicePorts;
use skiff::runtime::EngineState;
use skiff::runtime::fake::FakeRuntime;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const MANIFEST: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  strategy:
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: web
          image: hello:1.0
          ports: [{name: http, containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /readyz, port: http}
            periodSeconds: 5
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
";

/// Runs `skiff ARGS` against `server` in this process.
async fn skiff(server: &str, args: &[&str]) {
    let argv = ["skiff", "--server", server].into_iter().chain(args.iter().copied());
    let cli = <Cli as clap::Parser>::try_parse_from(argv).expect("valid command line");
    if let Err(e) = Box::pin(skiff::cli::run(cli)).await {
        panic!("`skiff {}` failed: {e}", args.join(" "));
    }
}

/// The running containers' images on the fake engine, sorted.
fn running_images(fake: &FakeRuntime) -> Vec<String> {
    let running = fake.containers().into_iter().filter(|(_, _, state)| *state == EngineState::Running);
    let mut images: Vec<String> = running.filter_map(|(id, _, _)| fake.image_of(&id)).collect();
    images.sort();
    images
}

async fn deployment(client: &Client) -> Deployment {
    let value = client.get("/apis/apps/v1/namespaces/default/deployments/web").await.expect("the deployment");
    serde_json::from_value(value).expect("a Deployment")
}

#[tokio::test(start_paused = true)]
async fn daemon_run_rolls_out_and_undoes_on_the_fake_runtime_and_network() {
    let started = std::time::Instant::now();
    // The store fsyncs every write; on tmpfs those cost nothing, on a busy disk most of a second.
    let shm = std::path::Path::new("/dev/shm");
    let state = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.unwrap();
    let fake = Arc::new(FakeRuntime::new());
    fake.add_image("hello:1.0");
    fake.add_image("hello:2.0");
    let (ports, probes) = (Arc::new(AnyFreePort::default()), Arc::new(Answering::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = format!("http://{}", listener.local_addr().unwrap());
    let config = Config {
        state_dir: state.path().to_path_buf(),
        instance: "in-process".into(),
        services: ServicePorts::default(),
        token: None,
        policy: PodSecurityPolicy::default(),
        connections: Connections::with_defaults(1024),
        watch_history: 1000,
        manifests: None,
        shutdown_grace: Duration::ZERO,
    };
    let succession = daemon::succession(state.path(), false).await.unwrap();
    let shutdown = CancellationToken::new();
    let network = Network { ports: ports.clone(), probes: probes.clone() };
    let run = daemon::run(config, listener, fake.clone(), network, shutdown.clone(), succession);
    let daemon = tokio::spawn(run);
    let client = Client::new(&server, None);

    let file = state.path().join("web.yaml");
    std::fs::write(&file, MANIFEST).unwrap();
    skiff(&server, &["apply", "-f", file.to_str().unwrap()]).await;
    skiff(&server, &["rollout", "status", "deployment/web"]).await;
    assert_eq!(running_images(&fake), ["hello:1.0"; 3]);
    assert!(probes.connections().len() >= 3, "every pod became Ready through an HTTP probe");
    let svc = client.get("/api/v1/namespaces/default/services/web").await.unwrap();
    let node_port = svc["spec"]["ports"][0]["nodePort"].as_u64().unwrap() as u16;
    let bound = ports.address_of(SocketAddr::from(([127, 0, 0, 1], node_port))).await;
    assert_ne!(bound.port(), node_port, "the Service listens on a free port, not its nodePort");

    skiff(&server, &["set", "image", "deployment/web", "web=hello:2.0"]).await;
    skiff(&server, &["rollout", "status", "deployment/web"]).await;
    assert_eq!(running_images(&fake), ["hello:2.0"; 3]);

    skiff(&server, &["rollout", "undo", "deployment/web"]).await;
    skiff(&server, &["rollout", "status", "deployment/web"]).await;
    assert_eq!(running_images(&fake), ["hello:1.0"; 3]);
    let d = deployment(&client).await;
    let template = d.spec.unwrap().template.spec.unwrap();
    assert_eq!(template.containers[0].image.as_deref(), Some("hello:1.0"));
    let revision = d.metadata.annotations.unwrap_or_default().get("deployment.kubernetes.io/revision").cloned();
    assert_eq!(revision.as_deref(), Some("3"), "the undo is a new revision");

    shutdown.cancel();
    daemon.await.unwrap().expect("the daemon stops cleanly");
    // About 0.3 s of real time in a debug build on a busy 2-core machine (1 s with the state on
    // disk); the bound catches a real sleep or timeout creeping in without flaking under load.
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "the whole run took {took:?}");
}
