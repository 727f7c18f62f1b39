//! Controllers: the Deployment controller (rollouts), the ReplicaSet controller (pods), the
//! garbage collector, the namespace controller and skiff's config rollout controller. Their
//! decisions are pure functions (`deployment`, `replicaset`, `gc`, `namespace`,
//! `config_rollout`); `run` executes them against the registry.

pub mod config_rollout;
pub mod deployment;
pub mod gc;
pub mod hpa;
pub mod namespace;
mod queue;
pub mod replicaset;
pub mod run;
