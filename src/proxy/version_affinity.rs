//! One version per user during a rollout, opt-in per Service with
//! `skiff.io/version-affinity: "revision"` (a cluster ignores the annotation). A client is known
//! by a cookie the proxy sets, `skiff-version`, whose value is a revision's pod-template-hash
//! (never a pod):
//! - a new client (no cookie, or one naming a revision this Service never had, or malformed) is
//!   routed as any other, per request over all Ready pods, and pinned to the revision that
//!   answered;
//! - a pinned client is served only by Ready pods of its revision while that revision has any;
//! - when its revision has none left, it moves, once, to the revision with the most Ready pods
//!   now, and is pinned there; it never moves back within that rollout (it now names the other);
//! - requests already sent finish where they are (draining), and clients without cookies (plain
//!   `curl`) are round-robined exactly as on other Services.
//!
//! The request path reads one header and the current snapshot: no lock, no allocation unless a
//! cookie has to be set.

use super::backends::Backend;
pub use super::revision::{Revision, RevisionStats};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const ANNOTATION: &str = "skiff.io/version-affinity";
pub const COOKIE: &str = "skiff-version";
/// The characters and length of a pod-template-hash.
const HASH_ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";
const HASH_MAX_LEN: usize = 10;

/// The revision a request's `skiff-version` cookie names, if well-formed.
pub fn pinned(headers: &http::HeaderMap) -> Option<&str> {
    pinned_in(headers.get_all(http::header::COOKIE).iter().map(http::HeaderValue::as_bytes))
}

/// The revision named among the values of a request's `Cookie` fields.
pub fn pinned_in<'a>(cookies: impl Iterator<Item = &'a [u8]>) -> Option<&'a str> {
    cookies
        .filter_map(|v| std::str::from_utf8(v).ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
        .map(|v| v.trim().trim_matches('"'))
        .filter(|v| !v.is_empty() && v.len() <= HASH_MAX_LEN && v.chars().all(|c| HASH_ALPHABET.contains(c)))
}

/// The `Set-Cookie` value that pins a client to `hash`: a session cookie for the whole site.
pub fn set_cookie(hash: &str) -> String {
    format!("{COOKIE}={hash}; Path=/; HttpOnly")
}

/// Where a request may go, and whether the answer pins the client anew.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// Any Ready pod; the client is pinned to the revision of the one that answers.
    Anyone,
    /// Only pods of this revision.
    Stay(&'a str),
    /// Only pods of this revision, which the client moves to from `from`.
    Move { from: &'a str, to: &'a str },
}

/// The route for a client whose cookie names `pin`, over the Ready `backends` of a Service
/// that has had `revisions`. A draining pod (still in the snapshot, taking nothing new) does
/// not count: a revision whose pods all drain has no pods left.
pub fn route<'a>(pin: Option<&'a str>, backends: &'a [Arc<Backend>], revisions: &[Revision]) -> Route<'a> {
    let Some(pin) = pin.filter(|p| revisions.iter().any(|r| &*r.hash == *p)) else {
        return Route::Anyone;
    };
    let serving = || backends.iter().filter(|b| b.accepting());
    if serving().any(|b| &*b.revision == pin) {
        return Route::Stay(pin);
    }
    let count = |hash: &str| serving().filter(|b| &*b.revision == hash).count();
    match serving().map(|b| &*b.revision).max_by_key(|h| count(h)) {
        Some(to) => Route::Move { from: pin, to },
        None => Route::Stay(pin),
    }
}

/// Round robin over the backends of `revision` that take requests, skipping `exclude`; no
/// allocation.
pub fn pick<'a>(
    backends: &'a [Arc<Backend>],
    revision: &str,
    cursor: &AtomicUsize,
    exclude: Option<&str>,
) -> Option<&'a Arc<Backend>> {
    let fits = |b: &&Arc<Backend>| &*b.revision == revision && exclude != Some(b.pod_uid.as_str()) && b.accepting();
    let n = backends.iter().filter(fits).count();
    if n == 0 {
        return None;
    }
    let k = cursor.fetch_add(1, Ordering::Relaxed) % n;
    backends.iter().filter(fits).nth(k)
}

/// The counters of `hash` among `revisions`.
pub fn stats_of<'a>(revisions: &'a [Revision], hash: &str) -> Option<&'a RevisionStats> {
    revisions.iter().find(|r| &*r.hash == hash).map(|r| &*r.stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::backends::{InFlight, Stats};
    use crate::proxy::dial::Target;

    fn backend(name: &str, revision: &str) -> Arc<Backend> {
        Arc::new(Backend {
            pod_uid: name.into(),
            pod_name: name.into(),
            target: Target::Published(([127, 0, 0, 1], 1).into()),
            authority: Target::Published(([127, 0, 0, 1], 1).into()).authority().unwrap(),
            in_flight: Arc::new(InFlight::default()),
            stats: Arc::new(Stats::default()),
            revision: revision.into(),
            revision_stats: Arc::default(),
        })
    }

    fn revisions(hashes: &[&str]) -> Vec<Revision> {
        hashes.iter().map(|h| Revision { hash: (*h).into(), stats: Arc::default() }).collect()
    }

    #[test]
    fn cookies_are_read_only_when_they_name_a_revision() {
        let mut h = http::HeaderMap::new();
        h.append(http::header::COOKIE, "theme=dark; skiff-version=7d9c6c8d4f".parse().unwrap());
        assert_eq!(pinned(&h), Some("7d9c6c8d4f"));
        for garbage in ["skiff-version=", "skiff-version=../etc", "skiff-version=AAAA", "skiff-version=7d9c6c8d4f7d9"] {
            let mut h = http::HeaderMap::new();
            h.append(http::header::COOKIE, garbage.parse().unwrap());
            assert_eq!(pinned(&h), None, "{garbage}");
        }
        assert_eq!(set_cookie("7d9c"), "skiff-version=7d9c; Path=/; HttpOnly");
    }

    #[test]
    fn stay_while_the_revision_serves_then_move_once_to_the_biggest() {
        let all = revisions(&["old", "new"]);
        let mixed = [backend("a", "old"), backend("b", "new"), backend("c", "new")];
        assert_eq!(route(Some("old"), &mixed, &all), Route::Stay("old"));
        assert_eq!(route(None, &mixed, &all), Route::Anyone);
        assert_eq!(route(Some("zzz"), &mixed, &all), Route::Anyone, "a revision this Service never had");
        let only_new = [backend("b", "new"), backend("c", "new")];
        assert_eq!(route(Some("old"), &only_new, &all), Route::Move { from: "old", to: "new" });
        assert_eq!(route(Some("new"), &only_new, &all), Route::Stay("new"));
        let cursor = AtomicUsize::new(0);
        let picks: Vec<&str> = (0..4).map(|_| pick(&mixed, "new", &cursor, None).unwrap().pod_name.as_str()).collect();
        assert_eq!(picks, ["b", "c", "b", "c"]);
        assert_eq!(pick(&mixed, "new", &cursor, Some("b")).unwrap().pod_name, "c");
        assert!(pick(&mixed, "gone", &cursor, None).is_none());
    }

    /// The 503 CI saw during an undo: every pod of the client's revision was draining but still
    /// in the snapshot, so the client stayed on a revision that took nothing.
    #[test]
    fn draining_pods_do_not_hold_a_client_on_their_revision() {
        let all = revisions(&["old", "new"]);
        let mixed = [backend("a", "old"), backend("b", "new")];
        mixed[0].in_flight.set_draining(true);
        assert_eq!(route(Some("old"), &mixed, &all), Route::Move { from: "old", to: "new" });
        assert!(pick(&mixed, "old", &AtomicUsize::new(0), None).is_none(), "a draining pod is never picked");
        mixed[1].in_flight.set_draining(true);
        assert_eq!(route(Some("old"), &mixed, &all), Route::Stay("old"), "nothing serves: no move");
    }
}
