//! Controllers: the Deployment controller (rollouts), the ReplicaSet controller (pods), the
//! garbage collector and the namespace controller. Their decisions are pure functions
//! (`deployment`, `replicaset`, `gc`, `namespace`); `run` executes them against the registry.

pub mod deployment;
pub mod gc;
pub mod namespace;
mod queue;
pub mod replicaset;
pub mod run;
