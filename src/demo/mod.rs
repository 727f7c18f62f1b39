//! The demo: the app the lessons run, and the images that hold it.

pub mod app;
pub mod images;
pub mod lesson;
pub mod traffic;
pub mod users;
