//! A container's image by imagePullPolicy, with the kubelet's pull back-off: present images
//! are used, missing ones pulled, and a failed or refused pull holds the container with
//! ErrImagePull, ImagePullBackOff or ErrImageNeverPull as its Waiting reason.

use super::Worker;
use crate::kubelet::decide::memory::{Blocked, Hold};
use crate::registry::events::EventType;
use std::time::Duration;
use tokio::time::Instant;

/// How soon a pod with a failed pull is looked at again (the kubelet's pod sync).
const POD_SYNC: Duration = Duration::from_secs(2);

impl Worker {
    /// Makes the image of container `index` available per imagePullPolicy; false (and a hold
    /// with the reason) if it is not.
    pub(super) async fn ensure_image(&mut self, index: usize) -> bool {
        let Some(spec) = self.containers().get(index).cloned() else { return false };
        let (image, name) = (spec.image.clone().unwrap_or_default(), spec.name.clone());
        let policy = spec.image_pull_policy.as_deref().unwrap_or("IfNotPresent");
        let present = match self.env.runtime.image_present(&image).await {
            Ok(p) => p,
            Err(e) => {
                self.hold(index, Some(Blocked::new("ErrImageInspect", e.to_string())));
                return false;
            }
        };
        match policy {
            "Never" if !present => {
                let msg = format!("Container image {image:?} is not present with pull policy of Never");
                self.event(Some(&name), EventType::Warning, "ErrImageNeverPull", msg.clone()).await;
                self.pull_failed(index, "ErrImageNeverPull", msg);
                false
            }
            "Never" | "IfNotPresent" if present => {
                let msg = format!("Container image {image:?} already present on machine");
                self.event(Some(&name), EventType::Normal, "Pulled", msg).await;
                true
            }
            _ => self.pull(index, &image, &name).await,
        }
    }

    async fn pull(&mut self, index: usize, image: &str, name: &str) -> bool {
        let now = self.now();
        let backoff = &self.memory.containers[index].pull_backoff;
        if backoff.in_backoff_since_update(now).is_some() {
            let msg = format!("Back-off pulling image {image:?}");
            self.event(Some(name), EventType::Normal, "BackOff", msg.clone()).await;
            self.event(Some(name), EventType::Warning, "Failed", "Error: ImagePullBackOff".into()).await;
            let backoff = &self.memory.containers[index].pull_backoff;
            let until = backoff.last_update().and_then(|t| backoff.expires(t)).unwrap_or(now);
            let blocked = Blocked::new("ImagePullBackOff", msg);
            self.memory.containers[index].hold = Some(Hold { until, blocked: Some(blocked), waits_for_config: false });
            return false;
        }
        self.event(Some(name), EventType::Normal, "Pulling", format!("Pulling image {image:?}")).await;
        let started = Instant::now();
        match self.env.runtime.pull_image(image).await {
            Ok(()) => {
                let took = started.elapsed();
                let msg = format!("Successfully pulled image {image:?} in {took:.3?} ({took:.3?} including waiting)");
                self.event(Some(name), EventType::Normal, "Pulled", msg).await;
                true
            }
            Err(e) => {
                let msg = format!("Failed to pull image {image:?}: {e}");
                self.event(Some(name), EventType::Warning, "Failed", msg.clone()).await;
                self.event(Some(name), EventType::Warning, "Failed", "Error: ErrImagePull".into()).await;
                self.pull_failed(index, "ErrImagePull", msg);
                false
            }
        }
    }

    /// A failed pull: back off, and look again soon, as the kubelet's next pod sync does, so
    /// that the status moves on to ImagePullBackOff while the back-off lasts.
    fn pull_failed(&mut self, index: usize, reason: &str, message: String) {
        let now = self.now();
        let until = now + jiff::SignedDuration::try_from(POD_SYNC).unwrap_or_default();
        let m = &mut self.memory.containers[index];
        m.pull_backoff.next(now, now);
        m.hold = Some(Hold { until, blocked: Some(Blocked::new(reason, message)), waits_for_config: false });
    }
}
