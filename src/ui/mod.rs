//! The dashboard at `/ui/`: files embedded in the binary and which path serves which. The page
//! is a plain API client (watches, `/metrics`, skiff's plan and rollback endpoints) with the
//! daemon's bearer token; it owns no state on the server.
//!
//! Authentication: a browser cannot send `Authorization` when it opens a URL, so `skiff
//! dashboard` gives `…/ui/#token=…` (a fragment never reaches the server, logs or proxies).
//! Without the token `/ui/` answers 401 with the loader only (no data, none of the app); the
//! loader reads the token from the fragment and fetches the app and every API call with
//! `Authorization: Bearer`, which the daemon checks like any other request.

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};

/// The loader: markup and the script that fetches the app with the token.
const INDEX: &str = include_str!("assets/index.html");
const STYLE: &str = include_str!("assets/app.css");
/// The app: one classic script (no modules, so that no file is fetched without the token).
const SCRIPT: &str = concat!(
    include_str!("assets/js/api.js"),
    include_str!("assets/js/pods.js"),
    include_str!("assets/js/traffic.js"),
    include_str!("assets/js/timeline.js"),
    include_str!("assets/js/view.js"),
    include_str!("assets/js/actions.js"),
    include_str!("assets/js/main.js"),
);

/// Nothing runs but what the daemon served, and the page talks only to its own origin.
const POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
    connect-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The file at `path` (relative to `/ui/`), if the dashboard has one.
fn file(path: &str) -> Option<(&'static str, &'static str)> {
    match path {
        "" | "index.html" => Some((INDEX, "text/html; charset=utf-8")),
        "app.css" => Some((STYLE, "text/css; charset=utf-8")),
        "app.js" => Some((SCRIPT, "text/javascript; charset=utf-8")),
        _ => None,
    }
}

/// The answer to an authorized GET of `/ui/{path}`.
pub fn serve(path: &str) -> Option<Response> {
    file(path).map(|(body, content_type)| page(StatusCode::OK, body, content_type))
}

/// The answer to `/ui/` without the token: 401, with the loader (no data, none of the app), so
/// that a browser opening `…/ui/#token=…` can ask again with the token. `None` elsewhere.
pub fn unauthorized(path: &str) -> Option<Response> {
    let index = path.trim_start_matches('/').strip_prefix("ui").is_some_and(|rest| matches!(rest, "" | "/"));
    index.then(|| page(StatusCode::UNAUTHORIZED, INDEX, "text/html; charset=utf-8"))
}

fn page(status: StatusCode, body: &'static str, content_type: &'static str) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_loader_answers_without_the_token() {
        assert_eq!(unauthorized("/ui/").map(|r| r.status()), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(unauthorized("/ui").map(|r| r.status()), Some(StatusCode::UNAUTHORIZED));
        assert!(unauthorized("/ui/app.js").is_none());
        assert!(unauthorized("/uix").is_none());
        assert!(!INDEX.contains("function renderDeployment"), "the loader holds none of the app");
    }

    #[test]
    fn serves_the_embedded_files_with_a_policy_that_keeps_the_page_offline() {
        let js = serve("app.js").unwrap();
        assert_eq!(js.headers()[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
        assert!(js.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("connect-src 'self'"));
        assert!(serve("../Cargo.toml").is_none());
        for asset in [INDEX, STYLE, SCRIPT] {
            let offline = asset.replace("http://www.w3.org/2000/svg", "");
            assert!(!offline.contains("http://") && !offline.contains("https://"), "no asset names another origin");
        }
    }
}
