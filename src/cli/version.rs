//! `version`: the client's and the server's version in kubectl's shape. Both are Kubernetes
//! versions with skiff's release in the build metadata (`v1.33.0+skiff.0.1.0`), so the lines
//! read like kubectl's and still say which skiff answers; `-o yaml|json` adds commit and build.

use super::client::{CliError, Client, Result};
use super::output;
use clap::Args;
use serde_json::{Value, json};

#[derive(Args, Debug)]
pub struct VersionArgs {
    /// Only the client version; the server is not contacted.
    #[arg(long)]
    pub client: bool,
    /// Output format: yaml or json.
    #[arg(short = 'o', long)]
    pub output: Option<String>,
}

/// Prints what is known; when the server cannot be asked, the client's version and then the error
/// (as kubectl does).
pub async fn run(client: &Client, args: VersionArgs) -> Result<()> {
    let format = Format::parse(args.output.as_deref())?;
    let server = if args.client { None } else { Some(client.get("/version").await) };
    let known = server.as_ref().and_then(|r| r.as_ref().ok());
    print!("{}", render(&crate::version::info(), known, format)?);
    match server {
        Some(Err(e)) => Err(e),
        _ => Ok(()),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Lines,
    Yaml,
    Json,
}

impl Format {
    fn parse(output: Option<&str>) -> Result<Format> {
        match output {
            None => Ok(Format::Lines),
            Some("yaml") => Ok(Format::Yaml),
            Some("json") => Ok(Format::Json),
            Some(_) => Err(CliError::msg("--output must be 'yaml' or 'json'")),
        }
    }
}

fn server_line(server: &Value) -> String {
    format!("Server Version: {}\n", server["gitVersion"].as_str().unwrap_or("unknown"))
}

/// The client's version and, when known, the server's, in `format`.
fn render(client: &Value, server: Option<&Value>, format: Format) -> Result<String> {
    let mut doc = json!({"clientVersion": client});
    if let Some(s) = server {
        doc["serverVersion"] = s.clone();
    }
    Ok(match format {
        Format::Lines => {
            let client = format!("Client Version: {}\n", client["gitVersion"].as_str().unwrap_or("unknown"));
            client + &server.map(server_line).unwrap_or_default()
        }
        Format::Yaml => output::yaml(&doc)?,
        // kubectl indents `version -o json` by two spaces.
        Format::Json => serde_json::to_string_pretty(&doc).map_err(|e| CliError::msg(e.to_string()))? + "\n",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_match_kubectl_and_name_skiff() {
        let ours = crate::version::info();
        let server = json!({"gitVersion": "v1.33.0+skiff.0.0.9", "minor": "33"});
        let want = format!(
            "Client Version: v1.{}.0+skiff.{}\nServer Version: v1.33.0+skiff.0.0.9\n",
            crate::version::KUBERNETES_MINOR,
            env!("CARGO_PKG_VERSION")
        );
        assert_eq!(render(&ours, Some(&server), Format::Lines).unwrap(), want);
        assert!(render(&ours, None, Format::Lines).unwrap().starts_with("Client Version: v1."));
    }

    #[test]
    fn structured_output_carries_the_commit() {
        let ours = crate::version::info();
        let yaml = render(&ours, Some(&ours), Format::Yaml).unwrap();
        assert!(yaml.contains(&format!("  gitCommit: {}\n", crate::version::COMMIT)), "{yaml}");
        assert!(yaml.contains("serverVersion:\n"), "{yaml}");
        let json: Value = serde_json::from_str(&render(&ours, None, Format::Json).unwrap()).unwrap();
        assert_eq!(json["clientVersion"]["major"], "1");
        assert!(json.get("serverVersion").is_none(), "{json}");
        assert_eq!(Format::parse(Some("wide")).unwrap_err().to_string(), "error: --output must be 'yaml' or 'json'");
    }
}
