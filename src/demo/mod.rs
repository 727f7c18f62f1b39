//! The demo: the app the lessons run, and the images that hold it.

pub mod app;
mod autoscale_lesson;
mod config_lesson;
mod grpc_health;
pub mod images;
pub mod lesson;
pub mod traffic;
pub mod users;
