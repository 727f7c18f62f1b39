//! kubectl's output formats, shared by the API (server-side Tables) and the CLI: ages, the pod
//! STATUS column, Tables and their text rendering, `describe`, `rollout history`.

pub mod describe;
pub mod duration;
pub mod history;
mod node_tables;
pub mod pod_status;
pub mod table;
pub mod text_table;
