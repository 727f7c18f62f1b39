//! `skiff demo config`: the lesson after rolling updates. MESSAGE moves into a ConfigMap (and a
//! password into a Secret, both also mounted as files) in a namespace of its own; the Deployment
//! opts in to config rollouts, so changing the ConfigMap rolls the new message out under live
//! traffic with no failed request, and `rollout undo` brings the old message back.

use super::{DEPLOYMENT, Lesson, node_port, report, say, step};
use crate::demo::traffic::Traffic;
use anyhow::bail;
use std::time::Duration;

/// Where the lesson's objects live.
pub(super) const NAMESPACE: &str = "hello";
const FIRST: &str = "Hello from a ConfigMap!";
const SECOND: &str = "Hello again, from a changed ConfigMap!";

/// The Deployment's generation.
async fn generation(l: &Lesson) -> anyhow::Result<i64> {
    let path = format!("/apis/apps/v1/namespaces/{NAMESPACE}/deployments/hello-kubernetes");
    let d = l.shell.get(&l.server, &path).await?;
    Ok(d["metadata"]["generation"].as_i64().unwrap_or_default())
}

/// Waits (a few seconds at most) for the config rollout controller to start the new revision.
async fn new_generation(l: &Lesson, before: i64) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while generation(l).await? <= before {
        if tokio::time::Instant::now() > deadline {
            bail!("the change of the ConfigMap started no rollout");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

pub(super) async fn teach(l: &mut Lesson) -> anyhow::Result<()> {
    step(1, 3, "Move MESSAGE into a ConfigMap");
    let file = l.dir.join("hello-kubernetes-config.yaml");
    std::fs::write(&file, include_str!("../../../examples/config/hello-kubernetes.yaml"))?;
    l.must(&["apply", "-f", &file.to_string_lossy()]).await?;
    l.url = format!("http://127.0.0.1:{}/", node_port(l, "hello-kubernetes").await?);
    l.must(&["rollout", "status", DEPLOYMENT]).await?;
    l.must(&["get", "configmaps,secrets,pods"]).await?;
    say("  The pods read MESSAGE from the ConfigMap hello-config; skiff pinned this revision to");
    say("  immutable copies of it and of the Secret (the `-7b5b…` names above).");
    l.only(FIRST).await?;

    step(2, 3, "Change the ConfigMap: the Deployment rolls out, like a new image");
    let traffic = Traffic::start(&l.url, 4, 4, Duration::from_millis(5));
    let before = generation(l).await?;
    let patch = format!("{{\"data\":{{\"MESSAGE\":\"{SECOND}\"}}}}");
    l.must(&["patch", "configmap", "hello-config", "-p", &patch]).await?;
    say("  skiff.io/rollout-on-config-change is on: the new configuration is a new revision.");
    new_generation(l, before).await?;
    l.rollout_under_traffic(&traffic, false).await?;
    report(&traffic.stop().await, "the configuration rollout")?;
    l.only(SECOND).await?;
    l.must(&["rollout", "history", DEPLOYMENT]).await?;

    step(3, 3, "Undo brings the old configuration back");
    let traffic = Traffic::start(&l.url, 4, 4, Duration::from_millis(5));
    l.must(&["rollout", "undo", DEPLOYMENT]).await?;
    l.rollout_under_traffic(&traffic, false).await?;
    report(&traffic.stop().await, "the undo")?;
    l.only(FIRST).await?;
    say("  The old revision runs with its own copy of the old ConfigMap. The ConfigMap itself still");
    say("  holds the new message; editing it again rolls forward from there.");
    Ok(())
}
