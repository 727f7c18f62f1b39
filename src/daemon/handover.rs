//! Hitless upgrade and restart (as HAProxy's `expose-fd listeners` and pingora's upgrade do):
//! a new daemon on the same state directory takes the listening sockets of the running one (the
//! API's and every Service port's) over `<state>/handover.sock`, so connections made during the
//! switch wait in the kernel's accept queue and none is refused.
//!
//! The exchange, one line or one descriptor per message (lines are read unbuffered and each
//! descriptor travels with a fixed-size record, so no read ever takes a descriptor's bytes):
//! 1. new → old: `HANDOVER upgrade` (`skiff daemon --upgrade`: replace a running daemon) or
//!    `HANDOVER restart` (take over from one that is shutting down; a running one answers
//!    `REFUSED`); old → new: `LISTENERS <n>`, then n messages each carrying one listening socket
//!    and its address (the API's first);
//! 2. the old daemon stops everything but its proxy (which goes on serving with the pods it
//!    knows), closes its state log and lets go of the lock: `RELEASED`;
//! 3. the new daemon opens the state, adopts the containers and, once its proxy accepts on the
//!    shared sockets, says `SERVING`; the old one then stops accepting, drains and exits.
//!
//! A `kill -9` cannot hand anything over: its sockets close with it.

use sendfd::{RecvWithFd, SendWithFd};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum HandoverError {
    #[error("no daemon answers on the handover socket")]
    NoDaemon,
    #[error("the daemon is running, not shutting down")]
    Refused,
    #[error("the running daemon stopped answering during the handover")]
    Gone,
    #[error("handover socket: {0}")]
    Io(#[from] std::io::Error),
}

/// What the successor asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Replace the daemon even though it is running (`skiff daemon --upgrade`).
    Upgrade,
    /// Take over only from a daemon that is shutting down.
    Restart,
}

impl Mode {
    fn word(self) -> &'static str {
        match self {
            Mode::Upgrade => "upgrade",
            Mode::Restart => "restart",
        }
    }
}

/// How long either side waits for the other's next message: the old daemon stops its
/// components, the new one opens the state and adopts every container.
const PATIENCE: Duration = Duration::from_secs(120);

pub fn socket_path(state_dir: &Path) -> PathBuf {
    state_dir.join("handover.sock")
}

/// The bytes that travel with each descriptor: its address, space-padded.
const RECORD: usize = 64;

/// The listening sockets a new daemon received, and the line back to the old one.
pub struct Inherited {
    /// The API's listener, until the daemon takes it.
    pub api: Option<TcpListener>,
    pub services: Vec<(SocketAddr, TcpListener)>,
    old: UnixStream,
}

/// One `\n`-terminated line, read a byte at a time; `None` at the end of the stream.
fn read_line(mut stream: &UnixStream) -> std::io::Result<Option<String>> {
    let mut text = Vec::new();
    let mut byte = [0u8];
    loop {
        match stream.read(&mut byte)? {
            0 => return Ok(None),
            _ if byte[0] == b'\n' => return Ok(Some(String::from_utf8_lossy(&text).into_owned())),
            _ => text.push(byte[0]),
        }
    }
}

fn line(stream: &UnixStream) -> Result<String, HandoverError> {
    read_line(stream)?.ok_or(HandoverError::Gone)
}

/// One socket and the address it listens on.
fn receive_listener(stream: &UnixStream) -> Result<(SocketAddr, TcpListener), HandoverError> {
    let (mut bytes, mut fds) = ([0u8; RECORD], [-1 as RawFd; 1]);
    let (n, received) = stream.recv_with_fd(&mut bytes, &mut fds)?;
    if received != 1 {
        return Err(HandoverError::Gone);
    }
    // SAFETY: the kernel just installed this descriptor in our table, for us alone.
    let listener = unsafe { TcpListener::from_raw_fd(fds[0]) };
    let addr = std::str::from_utf8(&bytes[..n]).ok().and_then(|a| a.trim().parse().ok());
    Ok((addr.ok_or(HandoverError::Gone)?, listener))
}

/// Asks the daemon on `state_dir` for its listeners, and waits until it has let go of the state.
/// Blocking.
pub fn take_over(state_dir: &Path, mode: Mode) -> Result<Inherited, HandoverError> {
    // No socket, or one its daemon no longer listens on (it was killed): nobody to take over from.
    let stream = UnixStream::connect(socket_path(state_dir)).map_err(|_| HandoverError::NoDaemon)?;
    stream.set_read_timeout(Some(PATIENCE))?;
    (&stream).write_all(format!("HANDOVER {}\n", mode.word()).as_bytes())?;
    let answer = line(&stream)?;
    if answer == "REFUSED" {
        return Err(HandoverError::Refused);
    }
    let count: usize = answer.strip_prefix("LISTENERS ").and_then(|n| n.parse().ok()).ok_or(HandoverError::Gone)?;
    let mut listeners = Vec::with_capacity(count);
    for _ in 0..count {
        listeners.push(receive_listener(&stream)?);
    }
    if line(&stream)? != "RELEASED" {
        return Err(HandoverError::Gone);
    }
    let mut listeners = listeners.into_iter();
    let (_, api) = listeners.next().ok_or(HandoverError::Gone)?;
    Ok(Inherited { api: Some(api), services: listeners.collect(), old: stream })
}

impl Inherited {
    /// Tells the old daemon this one accepts on the shared sockets: it may stop now.
    pub fn serving(mut self) {
        if let Err(e) = self.old.write_all(b"SERVING\n") {
            tracing::warn!(error = %e, "could not tell the old daemon to stop; it stops when its shutdown ends");
        }
    }
}

/// A successor's request, on the old daemon's side.
pub struct Request {
    stream: UnixStream,
    pub mode: Mode,
}

/// Where a daemon hears from successors: `state_dir`'s handover socket.
pub struct Server {
    listener: tokio::net::UnixListener,
}

impl Server {
    /// Listens on the handover socket; the caller holds the state lock.
    pub fn bind(state_dir: &Path) -> std::io::Result<Server> {
        let path = socket_path(state_dir);
        // The lock is ours: a socket file left here belongs to a daemon that is gone.
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(path)?;
        listener.set_nonblocking(true)?;
        Ok(Server { listener: tokio::net::UnixListener::from_std(listener)? })
    }

    /// The next successor's request (anything else that connects is ignored).
    pub async fn next(&self) -> std::io::Result<Request> {
        loop {
            let (stream, _) = self.listener.accept().await?;
            let stream = stream.into_std()?;
            stream.set_nonblocking(false)?;
            stream.set_read_timeout(Some(PATIENCE))?;
            let asked = tokio::task::spawn_blocking(move || read_line(&stream).map(|l| (l, stream))).await;
            let Ok(Ok((Some(line), stream))) = asked else { continue };
            let mode = match line.strip_prefix("HANDOVER ") {
                Some("upgrade") => Mode::Upgrade,
                Some("restart") => Mode::Restart,
                _ => continue,
            };
            return Ok(Request { stream, mode });
        }
    }
}

impl Request {
    /// Turns the successor away: this daemon is running and was not asked to upgrade.
    pub fn refuse(mut self) {
        let _ = self.stream.write_all(b"REFUSED\n");
    }

    /// Sends the API's listener and every Service listener. Blocking.
    pub fn send(&mut self, api: (SocketAddr, RawFd), services: &[(SocketAddr, RawFd)]) -> std::io::Result<()> {
        self.stream.write_all(format!("LISTENERS {}\n", services.len() + 1).as_bytes())?;
        for (addr, fd) in std::iter::once(&api).chain(services) {
            let record = format!("{addr:RECORD$}");
            self.stream.send_with_fd(record.as_bytes(), &[*fd])?;
        }
        Ok(())
    }

    /// Says the state is free for the successor. Blocking.
    pub fn released(&mut self) -> std::io::Result<()> {
        self.stream.write_all(b"RELEASED\n")
    }

    /// Waits until the successor serves (true) or is gone (false). Blocking.
    pub fn wait_serving(self) -> bool {
        matches!(read_line(&self.stream), Ok(Some(text)) if text == "SERVING")
    }
}

/// The raw descriptor of a listener, for `Request::send`.
pub fn fd_of(listener: &TcpListener) -> RawFd {
    listener.as_raw_fd()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole exchange between two threads: the successor gets working listeners.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn listeners_travel_and_keep_their_queued_connections() {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::bind(dir.path()).unwrap();
        let api = TcpListener::bind("127.0.0.1:0").unwrap();
        let service = TcpListener::bind("127.0.0.1:0").unwrap();
        let (api_addr, service_addr) = (api.local_addr().unwrap(), service.local_addr().unwrap());
        // A client connects before the handover: it must be accepted by the successor.
        let early = std::net::TcpStream::connect(service_addr).unwrap();
        let old = tokio::spawn(async move {
            let mut request = server.next().await.unwrap();
            assert_eq!(request.mode, Mode::Upgrade);
            tokio::task::spawn_blocking(move || {
                request.send((api_addr, fd_of(&api)), &[(service_addr, fd_of(&service))]).unwrap();
                drop((api, service));
                request.released().unwrap();
                request.wait_serving()
            })
            .await
            .unwrap()
        });
        let path = dir.path().to_path_buf();
        let mut inherited =
            tokio::task::spawn_blocking(move || take_over(&path, Mode::Upgrade)).await.unwrap().unwrap();
        assert_eq!(inherited.api.take().unwrap().local_addr().unwrap(), api_addr);
        let (addr, listener) = &inherited.services[0];
        assert_eq!(*addr, service_addr);
        let (accepted, _) = listener.accept().unwrap();
        assert_eq!(accepted.peer_addr().unwrap(), early.local_addr().unwrap());
        inherited.serving();
        assert!(old.await.unwrap(), "the old daemon heard SERVING");
    }

    /// A running daemon turns away a plain restart; with no daemon there is nobody to ask.
    #[tokio::test]
    async fn a_running_daemon_refuses_a_restart_and_a_dead_one_is_nobody() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let nobody = take_over(&path, Mode::Restart).err().unwrap();
        assert!(matches!(nobody, HandoverError::NoDaemon), "{nobody}");
        let server = Server::bind(dir.path()).unwrap();
        let old = tokio::spawn(async move { server.next().await.unwrap().refuse() });
        let refused = tokio::task::spawn_blocking(move || take_over(&path, Mode::Restart)).await.unwrap();
        assert!(matches!(refused, Err(HandoverError::Refused)));
        old.await.unwrap();
    }
}
