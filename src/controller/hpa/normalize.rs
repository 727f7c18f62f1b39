//! From the metrics' proposal to the replica count the HPA sets (Kubernetes' `horizontal.go`):
//! min/max bounds, the stabilization windows, the scaling policies over their periods, and the
//! conditions each step explains itself with. Pure: the recommendation and scale-event history
//! is a value the caller keeps per HPA, and `now` is an argument.

use super::conditions::{ABLE_TO_SCALE, Conditions, SCALING_LIMITED};
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::autoscaling::v2::{HPAScalingRules, HorizontalPodAutoscalerBehavior};

/// kube-controller-manager's `--horizontal-pod-autoscaler-downscale-stabilization` (5m): the
/// scale-down window when `behavior` does not set one.
pub const DOWNSCALE_STABILIZATION: SignedDuration = SignedDuration::from_mins(5);

/// Without `behavior`, one step grows to at most max(2 × current, 4).
const SCALE_UP_LIMIT_FACTOR: f64 = 2.0;
const SCALE_UP_LIMIT_MINIMUM: f64 = 4.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recommendation {
    pub replicas: i32,
    pub at: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScaleEvent {
    /// Replicas added (scale-up events) or removed (scale-down events).
    pub change: i32,
    pub at: Timestamp,
    pub outdated: bool,
}

/// What the controller remembers of one HPA between syncs (kept in memory, as upstream).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    pub recommendations: Vec<Recommendation>,
    pub scale_up_events: Vec<ScaleEvent>,
    pub scale_down_events: Vec<ScaleEvent>,
}

impl History {
    /// `recordInitialRecommendation`: the first sync remembers the current size.
    pub fn record_initial(&mut self, current: i32, now: Timestamp) {
        if self.recommendations.is_empty() {
            self.recommendations.push(Recommendation { replicas: current, at: now });
        }
    }

    /// Replaces the oldest-found obsolete recommendation, or appends.
    fn remember(&mut self, replicas: i32, now: Timestamp, obsolete: Option<usize>) {
        let rec = Recommendation { replicas, at: now };
        match obsolete {
            Some(i) => self.recommendations[i] = rec,
            None => self.recommendations.push(rec),
        }
    }
}

/// The bounds one sync works within.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub current: i32,
    pub desired: i32,
    pub min: i32,
    pub max: i32,
}

fn seconds(s: i32) -> SignedDuration {
    SignedDuration::from_secs(s.into())
}

/// `normalizeDesiredReplicas`: the path for an HPA without `behavior`.
pub fn without_behavior(history: &mut History, b: Bounds, now: Timestamp, conditions: &mut Conditions) -> i32 {
    let cutoff = now - DOWNSCALE_STABILIZATION;
    let mut stabilized = b.desired;
    let mut obsolete = None;
    for (i, rec) in history.recommendations.iter().enumerate() {
        if rec.at < cutoff {
            obsolete = Some(i);
        } else if rec.replicas > stabilized {
            stabilized = rec.replicas;
        }
    }
    history.remember(b.desired, now, obsolete);
    if stabilized != b.desired {
        conditions.set(
            ABLE_TO_SCALE,
            true,
            "ScaleDownStabilized",
            "recent recommendations were higher than current one, applying the highest recent recommendation",
            now,
        );
    } else {
        conditions.set(ABLE_TO_SCALE, true, "ReadyForNewScale", "recommended size matches current size", now);
    }
    let scale_up_limit = (SCALE_UP_LIMIT_FACTOR * f64::from(b.current)).max(SCALE_UP_LIMIT_MINIMUM) as i32;
    let (max_allowed, reason, message) = if b.max > scale_up_limit {
        (scale_up_limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
    } else {
        (b.max, "TooManyReplicas", "the desired replica count is more than the maximum replica count")
    };
    let (desired, reason, message) = if stabilized < b.min {
        (b.min, "TooFewReplicas", "the desired replica count is less than the minimum replica count")
    } else if stabilized > max_allowed {
        (max_allowed, reason, message)
    } else {
        (stabilized, "DesiredWithinRange", "the desired count is within the acceptable range")
    };
    conditions.set(SCALING_LIMITED, desired != stabilized, reason, message, now);
    desired
}

/// `normalizeDesiredReplicasWithBehaviors`: stabilization per direction, then the policies'
/// rate limits. `behavior` carries the API's defaults; an unset scale-down window is the flag's.
pub fn with_behavior(
    history: &mut History,
    behavior: &HorizontalPodAutoscalerBehavior,
    b: Bounds,
    now: Timestamp,
    conditions: &mut Conditions,
) -> i32 {
    let (up, down) = (behavior.scale_up.as_ref(), behavior.scale_down.as_ref());
    let up_window = up.and_then(|r| r.stabilization_window_seconds).map_or(SignedDuration::ZERO, seconds);
    let down_window = down.and_then(|r| r.stabilization_window_seconds).map_or(DOWNSCALE_STABILIZATION, seconds);

    let (delay, pick, reason, message): (_, fn(i32, i32) -> i32, _, _) = if b.desired >= b.current {
        (
            up_window,
            i32::min,
            "ScaleUpStabilized",
            "recent recommendations were lower than current one, applying the lowest recent recommendation",
        )
    } else {
        (
            down_window,
            i32::max,
            "ScaleDownStabilized",
            "recent recommendations were higher than current one, applying the highest recent recommendation",
        )
    };
    let obsolete_cutoff = now - up_window.max(down_window);
    let cutoff = now - delay;
    let mut stabilized = b.desired;
    let mut obsolete = None;
    for (i, rec) in history.recommendations.iter().enumerate() {
        if rec.at > cutoff {
            stabilized = pick(rec.replicas, stabilized);
        }
        if rec.at < obsolete_cutoff {
            obsolete = Some(i);
        }
    }
    history.remember(b.desired, now, obsolete);
    if stabilized != b.desired {
        conditions.set(ABLE_TO_SCALE, true, reason, message, now);
    } else {
        conditions.set(ABLE_TO_SCALE, true, "ReadyForNewScale", "recommended size matches current size", now);
    }
    let (desired, reason, message) = rate_limited(history, up, down, Bounds { desired: stabilized, ..b }, now);
    conditions.set(SCALING_LIMITED, desired != stabilized, reason, message, now);
    desired
}

/// `convertDesiredReplicasWithBehaviorRate`.
fn rate_limited(
    history: &History,
    up: Option<&HPAScalingRules>,
    down: Option<&HPAScalingRules>,
    b: Bounds,
    now: Timestamp,
) -> (i32, &'static str, &'static str) {
    if b.desired > b.current {
        let limit = scale_up_limit(b.current, &history.scale_up_events, up, now).max(b.current);
        let (allowed, reason, message) = if b.max > limit {
            (limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
        } else {
            (b.max, "TooManyReplicas", "the desired replica count is more than the maximum replica count")
        };
        if b.desired > allowed {
            return (allowed, reason, message);
        }
    } else if b.desired < b.current {
        let limit = scale_down_limit(b.current, &history.scale_down_events, down, now).min(b.current);
        let (allowed, reason, message) = if b.min < limit {
            (limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
        } else {
            (b.min, "TooFewReplicas", "the desired replica count is less than the minimum replica count")
        };
        if b.desired < allowed {
            return (allowed, reason, message);
        }
    }
    (b.desired, "DesiredWithinRange", "the desired count is within the acceptable range")
}

/// `getReplicasChangePerPeriod`: replicas changed by events newer than `period_seconds`.
fn changed_in_period(period_seconds: i32, events: &[ScaleEvent], now: Timestamp) -> i32 {
    let cutoff = now - seconds(period_seconds);
    events.iter().filter(|e| e.at > cutoff).map(|e| e.change).sum()
}

fn select_policy(rules: Option<&HPAScalingRules>) -> &str {
    rules.and_then(|r| r.select_policy.as_deref()).unwrap_or("Max")
}

fn policies(rules: Option<&HPAScalingRules>) -> &[k8s_openapi::api::autoscaling::v2::HPAScalingPolicy] {
    rules.and_then(|r| r.policies.as_deref()).unwrap_or_default()
}

/// `calculateScaleUpLimitWithScalingRules`: the most replicas the policies allow now.
pub fn scale_up_limit(current: i32, events: &[ScaleEvent], rules: Option<&HPAScalingRules>, now: Timestamp) -> i32 {
    let (pick, mut result): (fn(i32, i32) -> i32, i32) = match select_policy(rules) {
        "Disabled" => return current,
        "Min" => (i32::min, i32::MAX),
        _ => (i32::max, i32::MIN),
    };
    for policy in policies(rules) {
        let period_start = current - changed_in_period(policy.period_seconds, events, now);
        let proposed = match policy.type_.as_str() {
            "Pods" => period_start + policy.value,
            "Percent" => (f64::from(period_start) * (1.0 + f64::from(policy.value) / 100.0)).ceil() as i32,
            _ => 0,
        };
        result = pick(result, proposed);
    }
    result
}

/// `calculateScaleDownLimitWithBehaviors`: the fewest replicas the policies allow now.
pub fn scale_down_limit(current: i32, events: &[ScaleEvent], rules: Option<&HPAScalingRules>, now: Timestamp) -> i32 {
    let (pick, mut result): (fn(i32, i32) -> i32, i32) = match select_policy(rules) {
        "Disabled" => return current,
        "Min" => (i32::max, i32::MIN),
        _ => (i32::min, i32::MAX),
    };
    for policy in policies(rules) {
        let period_start = current + changed_in_period(policy.period_seconds, events, now);
        let proposed = match policy.type_.as_str() {
            "Pods" => period_start - policy.value,
            "Percent" => (f64::from(period_start) * (1.0 - f64::from(policy.value) / 100.0)) as i32,
            _ => 0,
        };
        result = pick(result, proposed);
    }
    result
}

fn longest_period(rules: Option<&HPAScalingRules>) -> i32 {
    policies(rules).iter().map(|p| p.period_seconds).max().unwrap_or(0).max(0)
}

/// `storeScaleEvent`: remembers a rescale for the policies' periods (only with `behavior`),
/// reusing a slot that has outlived the longest period.
pub fn store_scale_event(
    history: &mut History,
    behavior: Option<&HorizontalPodAutoscalerBehavior>,
    previous: i32,
    new: i32,
    now: Timestamp,
) {
    let Some(behavior) = behavior else { return };
    let (events, rules, change) = if new > previous {
        (&mut history.scale_up_events, behavior.scale_up.as_ref(), new - previous)
    } else {
        (&mut history.scale_down_events, behavior.scale_down.as_ref(), previous - new)
    };
    let cutoff = now - seconds(longest_period(rules));
    for e in events.iter_mut().filter(|e| e.at < cutoff) {
        e.outdated = true;
    }
    let event = ScaleEvent { change, at: now, outdated: false };
    match events.iter().rposition(|e| e.outdated) {
        Some(i) => events[i] = event,
        None => events.push(event),
    }
}
