//! The client socket as the HTTP server sees it: every byte received is counted on the
//! connection's slot (which starts a request head's clock), the descriptor ticket lives as
//! long as the socket (an upgraded connection keeps it), and a request line longer than the
//! listener allows is answered with the listener's 414 response before the parser sees it.
//! After such an answer the socket lingers, reading and discarding what the client still
//! sends, so that closing it does not reset the answer away (nginx's lingering close). Bytes
//! one server read can be put back for another to read (the proxy's relay handing a connection
//! to hyper); they were counted when they first arrived.

use super::budget::Ticket;
use super::slot::Slot;
use bytes::{Buf, Bytes, BytesMut};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// At most this much is read and discarded after a 414 before the socket is closed.
const LINGER_BYTES: usize = 1 << 20;

/// Counts a request line's length while it arrives.
#[derive(Debug)]
struct LineGuard {
    limit: usize,
    open: bool,
    len: usize,
}

impl LineGuard {
    /// Whether `fresh` bytes push the current request line past the limit; `starts_head` says
    /// they are the first of a request.
    fn overflows(&mut self, fresh: &[u8], starts_head: bool) -> bool {
        if starts_head {
            (self.open, self.len) = (true, 0);
        }
        if !self.open {
            return false;
        }
        match fresh.iter().position(|b| *b == b'\n') {
            Some(end) => {
                self.open = false;
                self.len + end > self.limit
            }
            None => {
                self.len += fresh.len();
                self.len > self.limit
            }
        }
    }
}

/// The 414 being written, then the lingering close.
struct Refusal {
    response: Bytes,
    written: usize,
    shut: bool,
    drained: usize,
}

pub struct Watched<T> {
    inner: T,
    slot: Arc<Slot>,
    line: LineGuard,
    too_long: Bytes,
    refusal: Option<Refusal>,
    /// Bytes put back, read before the socket's.
    unread: BytesMut,
    _ticket: Option<Ticket>,
}

impl<T: AsyncRead + AsyncWrite + Unpin> Watched<T> {
    /// `too_long` is the whole HTTP response for a request line over `max_request_line` bytes.
    pub fn new(inner: T, slot: Arc<Slot>, ticket: Option<Ticket>, max_request_line: usize, too_long: Bytes) -> Self {
        let line = LineGuard { limit: max_request_line, open: false, len: 0 };
        Watched { inner, slot, line, too_long, refusal: None, unread: BytesMut::new(), _ticket: ticket }
    }

    /// Puts `bytes`, already read, back in front of what the socket has yet to deliver.
    pub fn unread(&mut self, bytes: BytesMut) {
        self.unread = bytes;
    }

    /// Writes the 414, half-closes, then discards input until the client closes. Reports EOF
    /// to the parser when done.
    fn poll_refuse(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some(r) = self.refusal.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        while r.written < r.response.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &r.response[r.written..]))?;
            if n == 0 {
                return Poll::Ready(Ok(()));
            }
            r.written += n;
        }
        if !r.shut {
            ready!(Pin::new(&mut self.inner).poll_shutdown(cx))?;
            r.shut = true;
        }
        let mut scratch = [0u8; 4096];
        while r.drained < LINGER_BYTES {
            let mut buf = ReadBuf::new(&mut scratch);
            ready!(Pin::new(&mut self.inner).poll_read(cx, &mut buf))?;
            if buf.filled().is_empty() {
                break;
            }
            r.drained += buf.filled().len();
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for Watched<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.unread.is_empty() {
            let n = this.unread.len().min(buf.remaining());
            buf.put_slice(&this.unread[..n]);
            this.unread.advance(n);
            return Poll::Ready(Ok(()));
        }
        if this.refusal.is_some() {
            return this.poll_refuse(cx);
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        let fresh = &buf.filled()[before..];
        if fresh.is_empty() {
            return Poll::Ready(Ok(()));
        }
        let starts_head = this.slot.phase().is_idle();
        this.slot.received(fresh.len());
        if this.line.overflows(fresh, starts_head) {
            buf.set_filled(before);
            this.refusal = Some(Refusal { response: this.too_long.clone(), written: 0, shut: false, drained: 0 });
            return this.poll_refuse(cx);
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn bytes_put_back_are_read_first_and_counted_once() {
        let (mut client, server) = tokio::io::duplex(64);
        let slot = Arc::new(Slot::new(tokio::time::Instant::now()));
        let mut io = Watched::new(server, slot.clone(), None, 64, Bytes::new());
        client.write_all(b"hello").await.unwrap();
        let mut first = [0u8; 5];
        io.read_exact(&mut first).await.unwrap();
        io.unread(BytesMut::from(&first[..]));
        client.write_all(b" world").await.unwrap();
        drop(client);
        let mut all = String::new();
        io.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, "hello world");
        assert_eq!(slot.state().body_bytes, 11, "every byte received counted once, the 5 put back not again");
    }

    #[test]
    fn the_request_line_is_measured_across_reads_and_reset_per_request() {
        let mut g = LineGuard { limit: 10, open: false, len: 0 };
        assert!(!g.overflows(b"GET /abc", true));
        assert!(g.overflows(b"defgh", false), "13 bytes without a line end");
        let mut g = LineGuard { limit: 10, open: false, len: 0 };
        assert!(!g.overflows(b"GET / HTTP/1.1\r\n"[..6].as_ref(), true));
        assert!(!g.overflows(b"\r\nHost: a very long header line\r\n", false), "only the request line counts");
        assert!(!g.overflows(b"x-more: headers", false));
        assert!(!g.overflows(b"GET /", true), "the next request starts a new line");
    }
}
