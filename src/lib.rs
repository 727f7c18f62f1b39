//! skiff: Kubernetes Deployments and Services on one Docker host.
//!
//! Layout (outside in): `cli` and `api` speak Kubernetes' REST dialect; `registry` applies
//! Kubernetes' object semantics over the durable `store`; `controller` (Deployment,
//! ReplicaSet, garbage collection) and `kubelet` (pods on the container `runtime`, with
//! `probe`s) reconcile; `proxy` routes Service traffic to ready pods; `conn` manages the
//! connections of every listener (caps, timeouts, the descriptor budget); `ui` is the dashboard
//! the API serves. `model` holds the pure object rules; `daemon` wires everything together.

pub mod api;
pub mod cli;
pub mod clock;
pub mod conn;
pub mod controller;
pub mod daemon;
pub mod demo;
pub mod kubelet;
pub mod metrics;
pub mod model;
pub mod patch;
pub mod printers;
pub mod probe;
pub mod protobuf;
pub mod proxy;
pub mod registry;
pub mod runtime;
pub mod store;
pub mod ui;
pub mod version;
