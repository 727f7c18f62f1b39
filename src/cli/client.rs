//! Talking to the daemon's Kubernetes API over plain HTTP: paths for kinds, JSON requests, and
//! errors carrying the server's Status so they print the way kubectl prints them.

use crate::model::Kind;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::fmt;

/// A failure of a CLI command, printed once in `main`.
#[derive(Debug)]
pub enum CliError {
    /// The server said no: a Kubernetes Status.
    Status(Value),
    /// A client-side failure, printed as `error: …`.
    Message(String),
    /// A failure with its chain of causes, kept until `main` prints it as `error: what: why`.
    Failed(anyhow::Error),
    /// Already reported; exit non-zero quietly.
    Silent,
    /// Exit with this code and print nothing (`diff`: 1 means the objects differ).
    Exit(u8),
}

impl CliError {
    pub fn msg(m: impl Into<String>) -> CliError {
        CliError::Message(m.into())
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            CliError::Status(s) => s["reason"].as_str(),
            _ => None,
        }
    }

    /// Adds kubectl's `error when creating "file": ` context to a server error.
    pub fn context(self, prefix: String) -> CliError {
        match self {
            CliError::Status(mut s) if s["reason"] != "Invalid" => {
                let message = format!("{prefix}{}", s["message"].as_str().unwrap_or_default());
                s["message"] = Value::String(message);
                CliError::Status(s)
            }
            other => other,
        }
    }
}

impl fmt::Display for CliError {
    /// kubectl's rendering (helpers.go checkErr / StandardErrorMessage).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Message(m) => write!(f, "error: {m}"),
            CliError::Failed(e) => write!(f, "error: {e:#}"),
            CliError::Silent | CliError::Exit(_) => Ok(()),
            CliError::Status(s) if s["reason"] == "Invalid" => {
                let details = &s["details"];
                let causes: Vec<String> = details["causes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| {
                        format!(
                            "{}: {}",
                            c["field"].as_str().unwrap_or_default(),
                            c["message"].as_str().unwrap_or_default()
                        )
                    })
                    .collect();
                let head = format!(
                    "The {} {:?} is invalid",
                    details["kind"].as_str().unwrap_or_default(),
                    details["name"].as_str().unwrap_or_default()
                );
                match causes.as_slice() {
                    [] => f.write_str(&head),
                    [one] => write!(f, "{head}: {one}"),
                    many => write!(
                        f,
                        "{head}: \n{}",
                        many.iter().map(|c| format!("* {c}\n")).collect::<String>().trim_end()
                    ),
                }
            }
            CliError::Status(s) => {
                let message = s["message"].as_str().unwrap_or("unknown error");
                match s["reason"].as_str().filter(|r| !r.is_empty()) {
                    Some(reason) => write!(f, "Error from server ({reason}): {message}"),
                    None => write!(f, "Error from server: {message}"),
                }
            }
        }
    }
}

impl From<reqwest::Error> for CliError {
    fn from(e: reqwest::Error) -> Self {
        let cause = std::error::Error::source(&e).map(|s| format!(": {s}")).unwrap_or_default();
        CliError::Message(format!(
            "cannot reach the skiff daemon ({e}{cause}); is `skiff daemon` running? set --server or SKIFF_SERVER"
        ))
    }
}

pub type Result<T> = std::result::Result<T, CliError>;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    server: String,
    token: Option<String>,
}

/// The API path of a kind's collection in `namespace` (all namespaces when `None`).
/// A kind's collection, in `namespace` (ignored for cluster-scoped kinds) or across all.
pub fn collection_path(kind: Kind, namespace: Option<&str>) -> String {
    let prefix = kind.api_prefix();
    match namespace.filter(|_| kind.info().namespaced) {
        Some(ns) => format!("{prefix}/namespaces/{ns}/{}", kind.info().plural),
        None => format!("{prefix}/{}", kind.info().plural),
    }
}

/// `collection_path`, narrowed to the objects whose labels match `selector` when there is one.
pub fn list_path(kind: Kind, namespace: Option<&str>, selector: Option<&str>) -> String {
    let path = collection_path(kind, namespace);
    match selector {
        Some(s) => {
            format!("{path}?labelSelector={}", form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>())
        }
        None => path,
    }
}

pub fn item_path(kind: Kind, namespace: &str, name: &str) -> String {
    format!("{}/{name}", collection_path(kind, Some(namespace)))
}

pub const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

impl Client {
    pub fn new(server: &str, token: Option<String>) -> Client {
        let http = reqwest::Client::builder().no_proxy().build().unwrap_or_default();
        Client { http, server: server.trim_end_matches('/').to_string(), token }
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut req = self.http.request(method, format!("{}{path}", self.server));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        req
    }

    async fn finish(resp: reqwest::Response) -> Result<Value> {
        print_warnings(resp.headers());
        let status = resp.status();
        let bytes = resp.bytes().await?;
        let value: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        if status.is_success() {
            Ok(value)
        } else if value.get("kind").and_then(Value::as_str) == Some("Status") {
            Err(CliError::Status(value))
        } else {
            Err(CliError::msg(format!("the server answered {status}: {value}")))
        }
    }

    pub async fn send(&self, method: Method, path: &str, accept: &str, body: Option<(&str, Vec<u8>)>) -> Result<Value> {
        let mut req = self.request(method, path).header("accept", accept);
        if let Some((content_type, bytes)) = body {
            req = req.header("content-type", content_type).body(bytes);
        }
        Self::finish(req.send().await?).await
    }

    pub async fn get(&self, path: &str) -> Result<Value> {
        self.send(Method::GET, path, "application/json", None).await
    }

    pub async fn get_table(&self, path: &str) -> Result<Value> {
        self.send(Method::GET, path, TABLE, None).await
    }

    /// GET that treats 404 as `None`.
    pub async fn get_optional(&self, path: &str) -> Result<Option<Value>> {
        match self.get(path).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.reason() == Some("NotFound") => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        self.send_json(Method::POST, path, "application/json", body).await
    }

    pub async fn patch(&self, path: &str, content_type: &str, body: &Value) -> Result<Value> {
        self.send_json(Method::PATCH, path, content_type, body).await
    }

    pub async fn delete(&self, path: &str, body: &Value) -> Result<Value> {
        self.send_json(Method::DELETE, path, "application/json", body).await
    }

    /// Sends `body` as JSON labelled `content_type`; the answer is JSON.
    async fn send_json(&self, method: Method, path: &str, content_type: &str, body: &Value) -> Result<Value> {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        self.send(method, path, "application/json", Some((content_type, bytes))).await
    }

    /// A streaming GET (logs, watches): the raw body chunks.
    pub async fn stream(&self, path: &str, accept: &str) -> Result<impl Stream<Item = Result<Bytes>> + use<>> {
        let resp = self.request(Method::GET, path).header("accept", accept).send().await?;
        if resp.status() != StatusCode::OK {
            return Err(Self::finish(resp).await.err().unwrap_or_else(|| CliError::msg("unexpected answer")));
        }
        Ok(resp.bytes_stream().map(|c| c.map_err(CliError::from)))
    }
}

/// The text of a `Warning: 299 - "…"` header (RFC 7234 warn-text, Go-quoted).
fn warning_text(header: &str) -> Option<String> {
    let quoted = header.splitn(3, ' ').nth(2)?.trim();
    let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
    Some(inner.replace("\\\"", "\"").replace("\\\\", "\\"))
}

/// Prints the server's warnings on stderr as kubectl does (`Warning: …`), each text once per run.
fn print_warnings(headers: &reqwest::header::HeaderMap) {
    static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    for value in headers.get_all(reqwest::header::WARNING) {
        let Some(text) = value.to_str().ok().and_then(warning_text) else { continue };
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        if !seen.contains(&text) {
            eprintln!("Warning: {text}");
            seen.push(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn warnings_read_as_the_server_wrote_them() {
        assert_eq!(warning_text(r#"299 - "a \"quoted\" word""#).as_deref(), Some(r#"a "quoted" word"#));
        assert_eq!(warning_text("garbage"), None);
    }

    #[test]
    fn errors_print_like_kubectl() {
        let nf = CliError::Status(
            json!({"kind": "Status", "reason": "NotFound", "message": "deployments.apps \"nope\" not found"}),
        );
        assert_eq!(nf.to_string(), "Error from server (NotFound): deployments.apps \"nope\" not found");
        let one = json!({"kind": "Status", "reason": "Invalid", "details": {"kind": "Deployment", "name": "web", "causes": [
            {"field": "spec.replicas", "message": "Invalid value: -1: must be greater than or equal to 0"}]}});
        assert_eq!(
            CliError::Status(one).to_string(),
            "The Deployment \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
        let two = json!({"kind": "Status", "reason": "Invalid", "details": {"kind": "Deployment", "name": "web", "causes": [
            {"field": "a", "message": "x"}, {"field": "b", "message": "y"}]}});
        assert_eq!(CliError::Status(two).to_string(), "The Deployment \"web\" is invalid: \n* a: x\n* b: y");
        let bad =
            CliError::Status(json!({"kind": "Status", "reason": "BadRequest", "message": "strict decoding error"}));
        assert_eq!(
            bad.context("error when creating \"x.yaml\": ".into()).to_string(),
            "Error from server (BadRequest): error when creating \"x.yaml\": strict decoding error"
        );
        assert_eq!(CliError::msg("boom").to_string(), "error: boom");
        assert_eq!(collection_path(Kind::Deployment, Some("default")), "/apis/apps/v1/namespaces/default/deployments");
        assert_eq!(collection_path(Kind::Pod, None), "/api/v1/pods");
    }
}
