//! A probe transport for tests: each connection is an in-memory pipe to a stand-in for the
//! container's port, which answers an HTTP request `200 OK` and otherwise holds the connection
//! open (a TCP probe's success). It records every address asked for and can be told to refuse.

use super::{Connection, Transport};
use async_trait::async_trait;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

#[derive(Default)]
pub struct Answering {
    connections: Mutex<Vec<SocketAddr>>,
    refuse: AtomicBool,
}

impl Answering {
    /// Every address a probe connected to (or tried to), in order.
    pub fn connections(&self) -> Vec<SocketAddr> {
        self.connections.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// From now on, connections are refused (`true`) or answered (`false`).
    pub fn refuse(&self, refuse: bool) {
        self.refuse.store(refuse, Ordering::SeqCst);
    }
}

#[async_trait]
impl Transport for Answering {
    async fn connect(&self, addr: SocketAddr) -> std::io::Result<Box<dyn Connection>> {
        self.connections.lock().unwrap_or_else(|e| e.into_inner()).push(addr);
        if self.refuse.load(Ordering::SeqCst) {
            return Err(std::io::ErrorKind::ConnectionRefused.into());
        }
        let (client, port) = tokio::io::duplex(4096);
        tokio::spawn(answer(port));
        Ok(Box::new(client))
    }
}

/// Reads a request head; answers 200 if it is HTTP; holds the connection until the client goes.
async fn answer(mut port: DuplexStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while let Ok(n @ 1..) = port.read(&mut buf).await {
        head.extend_from_slice(&buf[..n]);
        if head.starts_with(b"GET ") && head.windows(4).any(|w| w == b"\r\n\r\n") {
            let _ = port.write_all(OK).await;
            return;
        }
    }
}
