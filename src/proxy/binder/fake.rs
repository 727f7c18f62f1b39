//! A port binder for tests: every Service port gets a free port (port 0) on the address asked
//! for, and the binder records which, so a test asks it instead of guessing a free range.

use super::PortBinder;
use crate::conn;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tokio::sync::watch;

/// Binds port 0 instead of each wanted port, and records wanted → bound.
pub struct AnyFreePort {
    bound: watch::Sender<BTreeMap<SocketAddr, SocketAddr>>,
}

impl Default for AnyFreePort {
    fn default() -> Self {
        AnyFreePort { bound: watch::Sender::new(BTreeMap::new()) }
    }
}

impl AnyFreePort {
    /// Where the socket the proxy wanted at `wanted` listens, once the proxy has bound it.
    pub async fn address_of(&self, wanted: SocketAddr) -> SocketAddr {
        let mut bound = self.bound.subscribe();
        let found = bound.wait_for(|b| b.contains_key(&wanted)).await.map(|b| b[&wanted]);
        found.expect("the binder outlives its receivers")
    }

    /// Every socket bound so far: wanted → bound.
    pub fn bound(&self) -> BTreeMap<SocketAddr, SocketAddr> {
        self.bound.borrow().clone()
    }
}

impl PortBinder for AnyFreePort {
    fn bind(&self, addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
        let listener = conn::bind(SocketAddr::new(addr.ip(), 0))?.into_std()?;
        let local = listener.local_addr()?;
        self.bound.send_modify(|b| {
            b.insert(addr, local);
        });
        Ok(listener)
    }
}
