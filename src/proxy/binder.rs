//! The proxy's network seam: where a Service port's listening socket comes from. The daemon
//! binds the address a Service asks for (`HostPorts`); tests hand the proxy `fake::AnyFreePort`,
//! which binds a free loopback port instead and tells them where each Service port went.

use crate::conn;
use std::net::SocketAddr;

#[cfg(any(test, feature = "test-util"))]
pub mod fake;

/// Binds the listening socket of one Service port (`addr` is the cluster IP or the proxy
/// address, with the Service's port or nodePort).
pub trait PortBinder: Send + Sync {
    fn bind(&self, addr: SocketAddr) -> std::io::Result<std::net::TcpListener>;
}

/// The host's ports, as asked (see `conn::bind`).
pub struct HostPorts;

impl PortBinder for HostPorts {
    fn bind(&self, addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
        conn::bind(addr)?.into_std()
    }
}
