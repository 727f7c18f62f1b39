//! `dashboard`: the address of the daemon's dashboard (`/ui/`), carrying the token in its
//! fragment when there is one (the page sends it as `Authorization: Bearer`; see `ui`), and a
//! browser opened on it when this machine has one to open.

use super::client::{Client, Result};
use clap::Args;
use std::process::{Command, Stdio};

#[derive(Args, Debug)]
pub struct DashboardArgs {
    /// Only print the address; start no browser.
    #[arg(long)]
    pub no_open: bool,
}

pub async fn run(client: &Client, server: &str, token: Option<&str>, args: DashboardArgs) -> Result<()> {
    // A clear error now when no daemon answers or it refuses the token.
    client.get("/version").await?;
    let address = address(server, token);
    println!("{address}");
    if !args.no_open {
        open(&address);
    }
    Ok(())
}

/// `{server}/ui/`, with `#token=…` when the daemon wants one (a fragment is never sent to the
/// server, so it stays out of request lines and logs).
pub fn address(server: &str, token: Option<&str>) -> String {
    let fragment = token
        .map(|t| format!("#token={}", form_urlencoded::byte_serialize(t.as_bytes()).collect::<String>()))
        .unwrap_or_default();
    format!("{}/ui/{fragment}", server.trim_end_matches('/'))
}

/// Starts `xdg-open` on `address` when there is a display and the tool; says why not
/// otherwise, and never fails the command.
fn open(address: &str) {
    let display = ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if !display {
        eprintln!("(no display: open the address above in a browser)");
        return;
    }
    let started =
        Command::new("xdg-open").arg(address).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
    if let Err(e) = started {
        eprintln!("(could not start xdg-open: {e}; open the address above in a browser)");
    }
}

#[cfg(test)]
mod tests {
    use super::address;

    #[test]
    fn the_token_travels_in_the_fragment_only() {
        assert_eq!(address("http://127.0.0.1:6443/", None), "http://127.0.0.1:6443/ui/");
        assert_eq!(address("http://127.0.0.1:6443", Some("s3 c+r/t")), "http://127.0.0.1:6443/ui/#token=s3+c%2Br%2Ft");
    }
}
