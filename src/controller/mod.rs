//! Controllers: the Deployment controller (rollouts), the ReplicaSet controller (pods) and the
//! garbage collector. Their decisions are pure functions (`deployment`, `replicaset`, `gc`);
//! `run` executes them against the registry.

pub mod deployment;
pub mod gc;
mod queue;
pub mod replicaset;
pub mod run;
