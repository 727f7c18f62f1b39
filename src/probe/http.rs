//! HTTP(S) GET probes and hooks as the kubelet runs them: status 200–399 succeeds, redirects
//! are followed on the same host only, at most 10 KiB of body is read, HTTPS certificates are
//! not verified, and every probe is a fresh connection. The exchange is one write and a few
//! reads parsed with httparse: probes run all the time, so they are kept cheap.

use super::Outcome;
use super::target::{Attempt, Target, destination, io_reason};
use super::transport::Transport;
use crate::version::PROBE_USER_AGENT;
use k8s_openapi::api::core::v1::HTTPGetAction;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use tokio_rustls::rustls::crypto::{CryptoProvider, ring};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

/// The kubelet reads at most this much of a probe's response body.
const BODY_LIMIT: usize = 10 * 1024;
const MAX_REDIRECTS: usize = 10;
/// A response head larger than this is refused.
const MAX_HEAD: usize = 16 * 1024;

/// Accepts any server certificate, as the kubelet's HTTPS probes do (signatures are still
/// checked, so the handshake is a real one).
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, tokio_rustls::rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        tokio_rustls::rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        tokio_rustls::rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn tls() -> Option<TlsConnector> {
    static CONFIG: OnceLock<Option<Arc<ClientConfig>>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let provider = Arc::new(ring::default_provider());
        let builder =
            ClientConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions().ok()?;
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth();
        Some(Arc::new(config))
    });
    config.clone().map(TlsConnector::from)
}

pub async fn http_get(action: &HTTPGetAction, timeout: Duration, target: &Target<'_>) -> Outcome {
    super::target::settle(attempt(action, timeout, target).await)
}

/// One probe: an answer, or no connection to the app at all.
pub(super) async fn attempt(action: &HTTPGetAction, timeout: Duration, target: &Target<'_>) -> Attempt {
    let (authority, addr) = match destination(action.host.as_deref(), &action.port, target) {
        Ok(d) => d,
        Err(e) => return Attempt::Answered(Outcome::Failure(e)),
    };
    let https = action.scheme.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("https"));
    let path = action.path.clone().filter(|p| !p.is_empty()).unwrap_or_else(|| "/".into());
    let url = format!("{}://{authority}{path}", if https { "https" } else { "http" });
    match tokio::time::timeout(timeout, follow(action, &authority, (addr, target.transport), https, path)).await {
        Ok(Ok(outcome)) => Attempt::Answered(outcome),
        Ok(Err(e)) => Attempt::Unreachable(format!("Get {url:?}: {e}")),
        Err(_) => Attempt::Answered(Outcome::Failure(format!(
            "Get {url:?}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
        ))),
    }
}

/// GETs `path`, following redirects that stay on the same host.
async fn follow(
    action: &HTTPGetAction,
    authority: &str,
    addr: (SocketAddr, &dyn Transport),
    mut https: bool,
    mut path: String,
) -> Result<Outcome, String> {
    for _ in 0..=MAX_REDIRECTS {
        let (status, location, body) = request(action, authority, addr, https, &path).await?;
        let Some(location) = location.filter(|_| (300..400).contains(&status)) else {
            return Ok(if (200..400).contains(&status) {
                Outcome::Success
            } else {
                Outcome::Failure(format!("HTTP probe failed with statuscode: {status}"))
            });
        };
        match location.parse::<http::Uri>() {
            Ok(uri) if uri.authority().is_none_or(|a| a.as_str() == authority) => {
                https = uri.scheme_str().map_or(https, |s| s == "https");
                path = uri.path_and_query().map(|p| p.to_string()).unwrap_or_else(|| "/".into());
            }
            _ => return Ok(Outcome::Warning(format!("Probe terminated redirects, Response body: {body}"))),
        }
    }
    Err(format!("stopped after {MAX_REDIRECTS} redirects"))
}

async fn request(
    action: &HTTPGetAction,
    authority: &str,
    (addr, transport): (SocketAddr, &dyn Transport),
    https: bool,
    path: &str,
) -> Result<(u16, Option<String>, String), String> {
    let connected = transport.connect(addr).await;
    let stream = connected.map_err(|e| format!("dial tcp {addr}: connect: {}", io_reason(&e)))?;
    let req = build(action, authority, path)?;
    if !https {
        return exchange(stream, req).await;
    }
    let connector = tls().ok_or("TLS is unavailable")?;
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h).to_string();
    let name = ServerName::try_from(host).map_err(|e| e.to_string())?;
    let tls = connector.connect(name, stream).await.map_err(|e| format!("tls: {e}"))?;
    exchange(tls, req).await
}

/// The request head: the user's headers, then kube-probe's User-Agent and `Accept: */*`
/// unless the user set them (an explicitly empty Accept removes it).
fn build(action: &HTTPGetAction, authority: &str, path: &str) -> Result<Vec<u8>, String> {
    let user = action.http_headers.clone().unwrap_or_default();
    let has = |name: &str| user.iter().any(|h| h.name.eq_ignore_ascii_case(name));
    let host = user.iter().find(|h| h.name.eq_ignore_ascii_case("host")).map_or(authority, |h| h.value.as_str());
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n");
    for h in user.iter().filter(|h| !h.name.eq_ignore_ascii_case("host")) {
        if h.value.is_empty() && h.name.eq_ignore_ascii_case("accept") {
            continue;
        }
        if h.name.contains(['\r', '\n', ':']) || h.value.contains(['\r', '\n']) {
            return Err(format!("invalid header {:?}", h.name));
        }
        head.push_str(&format!("{}: {}\r\n", h.name, h.value));
    }
    if !has("user-agent") {
        head.push_str(&format!("User-Agent: {PROBE_USER_AGENT}\r\n"));
    }
    if !has("accept") {
        head.push_str("Accept: */*\r\n");
    }
    head.push_str("Connection: close\r\n\r\n");
    Ok(head.into_bytes())
}

/// Sends the request and reads the answer's status, Location and (at most 10 KiB of) body.
async fn exchange<S>(mut io: S, request: Vec<u8>) -> Result<(u16, Option<String>, String), String>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    io.write_all(&request).await.map_err(|e| e.to_string())?;
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    loop {
        let n = io.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("EOF".into());
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(&buf) {
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => continue,
            Ok(httparse::Status::Partial) => return Err("response head too large".into()),
            Err(e) => return Err(format!("malformed HTTP response: {e}")),
            Ok(httparse::Status::Complete(end)) => {
                let status = resp.code.unwrap_or(0);
                let location = resp
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("location"))
                    .map(|h| String::from_utf8_lossy(h.value).into_owned());
                let mut body = buf.split_off(end);
                if location.is_some() {
                    // Only a redirect's body is ever shown (in a probe warning).
                    while body.len() < BODY_LIMIT
                        && let Ok(n @ 1..) = io.read(&mut chunk).await
                    {
                        body.extend_from_slice(&chunk[..n]);
                    }
                }
                body.truncate(BODY_LIMIT);
                return Ok((status, location, String::from_utf8_lossy(&body).into_owned()));
            }
        }
    }
}

#[cfg(test)]
mod tests;
