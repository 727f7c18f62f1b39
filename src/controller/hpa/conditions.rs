//! The HPA's status conditions (`setCondition`): one per type, its transition time moved only
//! when its status changes.

use jiff::Timestamp;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerCondition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

pub const ABLE_TO_SCALE: &str = "AbleToScale";
pub const SCALING_ACTIVE: &str = "ScalingActive";
pub const SCALING_LIMITED: &str = "ScalingLimited";

/// The conditions being built for a new status, starting from the stored ones.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conditions(pub Vec<HorizontalPodAutoscalerCondition>);

impl Conditions {
    pub fn set(&mut self, type_: &str, status: bool, reason: &str, message: &str, now: Timestamp) {
        let status = if status { "True" } else { "False" };
        let i = match self.0.iter().position(|c| c.type_ == type_) {
            Some(i) => i,
            None => {
                self.0.push(HorizontalPodAutoscalerCondition { type_: type_.into(), ..Default::default() });
                self.0.len() - 1
            }
        };
        let c = &mut self.0[i];
        if c.status != status {
            c.last_transition_time = Some(Time(now));
        }
        c.status = status.into();
        c.reason = Some(reason.into());
        c.message = Some(message.into());
    }

    pub fn get(&self, type_: &str) -> Option<&HorizontalPodAutoscalerCondition> {
        self.0.iter().find(|c| c.type_ == type_)
    }
}
