//! The probes' network seam: how a probe reaches a container's published port. The daemon
//! connects over TCP (`Tcp`); tests hand the kubelet `fake::Answering`, an in-memory stand-in
//! for the container's port that records each connection.

use async_trait::async_trait;
use std::net::SocketAddr;
use tokio::io::{AsyncRead, AsyncWrite};

#[cfg(any(test, feature = "test-util"))]
pub mod fake;

/// A connection to a container's port.
pub trait Connection: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin> Connection for T {}

/// Opens probe connections.
#[async_trait]
pub trait Transport: Send + Sync {
    /// A fresh connection to `addr`; refused, unreachable and the like as I/O errors.
    async fn connect(&self, addr: SocketAddr) -> std::io::Result<Box<dyn Connection>>;
}

/// The host's TCP stack, no delay (a probe is one small request and its answer).
pub struct Tcp;

#[async_trait]
impl Transport for Tcp {
    async fn connect(&self, addr: SocketAddr) -> std::io::Result<Box<dyn Connection>> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        let _ = stream.set_nodelay(true);
        Ok(Box::new(stream))
    }
}
