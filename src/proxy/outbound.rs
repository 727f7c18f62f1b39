//! The request as sent to a pod: its URI pointed at the pod, built from parts so that any
//! target the server accepted (`OPTIONS *` included) survives unchanged, and its body wrapped
//! so that an attempt that fails before taking any of it hands the body back for another pod,
//! and a body the client broke is told apart from a pod that failed.

use crate::conn::RequestBody;
use bytes::Bytes;
use http::Request;
use http::uri::{Authority, PathAndQuery, Scheme, Uri};
use hyper::body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::sync::oneshot;

/// What became of a request body when its attempt was dropped without an answer.
pub enum Leftover {
    /// Not a byte of it was taken: it can go to another pod.
    Unsent(RequestBody),
    /// Reading it from the client failed.
    Broken,
}

/// A request body on its way to one pod.
pub struct Outbound {
    inner: Option<RequestBody>,
    taken: bool,
    broken: bool,
    back: Option<oneshot::Sender<Leftover>>,
}

/// The body for one attempt, and where it comes back if the attempt drops it. A request
/// without a body needs no way back.
pub fn body(inner: Option<RequestBody>) -> (Outbound, Option<oneshot::Receiver<Leftover>>) {
    let (back, returned) = match inner {
        Some(_) => {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(rx))
        }
        None => (None, None),
    };
    (Outbound { inner, taken: false, broken: false, back }, returned)
}

impl Drop for Outbound {
    fn drop(&mut self) {
        let Some(back) = self.back.take() else {
            return;
        };
        let leftover = match self.inner.take() {
            _ if self.broken => Leftover::Broken,
            Some(body) if !self.taken => Leftover::Unsent(body),
            _ => return,
        };
        // Nobody waiting means the answer came; the body is no longer wanted.
        let _ = back.send(leftover);
    }
}

impl Body for Outbound {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let frame = ready!(Pin::new(inner).poll_frame(cx));
        match &frame {
            Some(Ok(_)) => self.taken = true,
            Some(Err(_)) => self.broken = true,
            None => {}
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(RequestBody::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map_or_else(|| SizeHint::with_exact(0), RequestBody::size_hint)
    }
}

/// The request for the pod at `authority` (its `Target`'s); `None` if the request's target
/// cannot be addressed to it.
pub fn request(parts: &http::request::Parts, authority: &Authority, body: Outbound) -> Option<Request<Outbound>> {
    let mut uri = http::uri::Parts::default();
    uri.scheme = Some(Scheme::HTTP);
    uri.authority = Some(authority.clone());
    uri.path_and_query = Some(parts.uri.path_and_query().cloned().unwrap_or_else(|| PathAndQuery::from_static("/")));
    let mut req = Request::new(body);
    *req.method_mut() = parts.method.clone();
    *req.uri_mut() = Uri::from_parts(uri).ok()?;
    *req.headers_mut() = parts.headers.clone();
    Some(req)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::dial::Target;

    fn parts(target: &str) -> http::request::Parts {
        Request::builder().method("OPTIONS").uri(target).body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_target_is_kept_and_only_the_authority_points_at_the_pod() {
        let addr = Target::Published(([127, 0, 0, 1], 32000).into()).authority().unwrap();
        let req = request(&parts("/a/b?c=d"), &addr, body(None).0).unwrap();
        assert_eq!(req.uri().to_string(), "http://127.0.0.1:32000/a/b?c=d");
        let star = request(&parts("*"), &addr, body(None).0).unwrap();
        assert_eq!(star.uri().path_and_query().map(|p| p.as_str()), Some("*"));
        assert_eq!(star.uri().authority().map(|a| a.as_str()), Some("127.0.0.1:32000"));
    }
}
