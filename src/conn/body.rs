//! Request and response bodies that move their connection through its phases: a request
//! body read to its end (or broken) ends the body phase; a response body sent (or dropped)
//! makes the connection idle.

use super::slot::Slot;
use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

/// A client's request body.
pub struct RequestBody {
    inner: Incoming,
    slot: Arc<Slot>,
}

impl RequestBody {
    pub fn new(inner: Incoming, slot: Arc<Slot>) -> Self {
        RequestBody { inner, slot }
    }
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if !matches!(frame, Some(Ok(_))) || self.inner.is_end_stream() {
            self.slot.body_finished();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response on its way to the client.
pub struct ResponseBody<B> {
    inner: B,
    slot: Arc<Slot>,
}

impl<B> ResponseBody<B> {
    pub fn new(inner: B, slot: Arc<Slot>) -> Self {
        ResponseBody { inner, slot }
    }
}

impl<B> Drop for ResponseBody<B> {
    fn drop(&mut self) {
        self.slot.response_finished();
    }
}

impl<B: Body + Unpin> Body for ResponseBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
