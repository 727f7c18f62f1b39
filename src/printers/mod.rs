//! kubectl's output formats, shared by the API (server-side Tables) and the CLI: ages, the pod
//! STATUS column, Tables and their text rendering, `describe`, `rollout history`, JSONPath
//! templates and custom columns.

mod config_tables;
pub mod custom_columns;
pub mod describe;
pub mod duration;
pub mod explain;
pub mod go_format;
pub mod history;
pub mod hpa_tables;
pub mod jsonpath;
mod node_tables;
pub mod pod_status;
pub mod sort;
pub mod table;
pub mod text_table;
