//! HTTP(S) GET probes and hooks as the kubelet runs them: status 200–399 succeeds, redirects
//! are followed on the same host only, at most 10 KiB of body is read, HTTPS certificates are
//! not verified, and every probe is a fresh connection.

use super::Outcome;
use super::handler::{Attempt, Target, destination, io_reason};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use k8s_openapi::api::core::v1::HTTPGetAction;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use tokio_rustls::rustls::crypto::{CryptoProvider, ring};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

/// The kubelet reads at most this much of a probe's response body.
const BODY_LIMIT: usize = 10 * 1024;
const MAX_REDIRECTS: usize = 10;
const USER_AGENT: &str = "kube-probe/1.33";

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
    super::handler::settle(attempt(action, timeout, target).await)
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
    match tokio::time::timeout(timeout, follow(action, &authority, addr, https, path)).await {
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
    addr: SocketAddr,
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
    addr: SocketAddr,
    https: bool,
    path: &str,
) -> Result<(u16, Option<String>, String), String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| format!("dial tcp {addr}: connect: {}", io_reason(&e)))?;
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

fn build(action: &HTTPGetAction, authority: &str, path: &str) -> Result<http::Request<Empty<Bytes>>, String> {
    let mut req = http::Request::get(path).header(http::header::HOST, authority);
    let user = action.http_headers.clone().unwrap_or_default();
    let has = |name: &str| user.iter().any(|h| h.name.eq_ignore_ascii_case(name));
    for h in &user {
        // An explicitly empty Accept removes the default one.
        if !h.value.is_empty() || !h.name.eq_ignore_ascii_case("accept") {
            req = req.header(h.name.as_str(), h.value.as_str());
        }
    }
    if !has("user-agent") {
        req = req.header(http::header::USER_AGENT, USER_AGENT);
    }
    if !has("accept") {
        req = req.header(http::header::ACCEPT, "*/*");
    }
    req.header(http::header::CONNECTION, "close").body(Empty::new()).map_err(|e| e.to_string())
}

async fn exchange<S>(io: S, req: http::Request<Empty<Bytes>>) -> Result<(u16, Option<String>, String), String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io)).await.map_err(|e| e.to_string())?;
    let driver = tokio::spawn(conn);
    let result = async {
        let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let location = resp.headers().get(http::header::LOCATION).and_then(|v| v.to_str().ok()).map(String::from);
        let body = match Limited::new(resp.into_body(), BODY_LIMIT).collect().await {
            Ok(b) => String::from_utf8_lossy(&b.to_bytes()).into_owned(),
            Err(_) => String::new(),
        };
        Ok((status, location, body))
    }
    .await;
    driver.abort();
    result
}

#[cfg(test)]
mod tests;
