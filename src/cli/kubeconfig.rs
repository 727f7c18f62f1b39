//! `kubeconfig`: a kubeconfig for the daemon, so plain kubectl talks to it.

use super::client::Result;
use clap::Args;

#[derive(Args, Debug)]
pub struct KubeconfigArgs {
    /// Include this bearer token (for a daemon started with --token-file).
    #[arg(long)]
    pub with_token: Option<String>,
}

pub fn render(server: &str, token: Option<&str>) -> String {
    let user = match token {
        Some(t) => format!("{{token: {t:?}}}"),
        None => "{}".to_string(),
    };
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: skiff\n  cluster:\n    server: {server}\ncontexts:\n- name: skiff\n  context:\n    cluster: skiff\n    user: skiff\n    namespace: default\ncurrent-context: skiff\nusers:\n- name: skiff\n  user: {user}\n"
    )
}

pub fn run(server: &str, args: KubeconfigArgs) -> Result<()> {
    print!("{}", render(server, args.with_token.as_deref()));
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn kubeconfig_is_valid_yaml_pointing_at_the_server() {
        let text = super::render("http://127.0.0.1:6443", Some("s3cret"));
        let v: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(v["clusters"][0]["cluster"]["server"], "http://127.0.0.1:6443");
        assert_eq!(v["users"][0]["user"]["token"], "s3cret");
        assert_eq!(v["current-context"], "skiff");
    }
}
