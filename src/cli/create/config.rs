//! `create configmap`, `create secret generic` and `create namespace`: the objects kubectl
//! builds from `--from-literal`, `--from-file` and `--from-env-file`, with kubectl's checks and
//! messages (create_configmap.go, create_secret.go, env_file.go).

use super::CreateOutput;
use crate::model::base64;
use crate::model::validation::names::is_config_map_key;
use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};
use std::path::Path;

/// Where the keys come from.
#[derive(Args, Debug, Default)]
pub struct Sources {
    /// KEY=VALUE (repeatable).
    #[arg(long = "from-literal", value_name = "KEY=VALUE")]
    pub literals: Vec<String>,
    /// [KEY=]PATH: a file (KEY defaults to its base name) or a directory (one key per file).
    #[arg(long = "from-file", value_name = "[KEY=]PATH", value_delimiter = ',')]
    pub files: Vec<String>,
    /// A file of KEY=VALUE lines (a Docker .env file).
    #[arg(long = "from-env-file", value_name = "PATH", value_delimiter = ',')]
    pub env_files: Vec<String>,
}

#[derive(Args, Debug)]
pub struct CreateConfigMapArgs {
    pub name: String,
    #[command(flatten)]
    pub sources: Sources,
    #[command(flatten)]
    pub out: CreateOutput,
}

#[derive(Subcommand, Debug)]
pub enum SecretCommand {
    /// A Secret from literals, files or an env file (type Opaque unless --type says otherwise).
    Generic(CreateSecretArgs),
}

#[derive(Args, Debug)]
pub struct CreateSecretArgs {
    pub name: String,
    /// The Secret's type, e.g. kubernetes.io/basic-auth.
    #[arg(long = "type")]
    pub type_: Option<String>,
    #[command(flatten)]
    pub sources: Sources,
    #[command(flatten)]
    pub out: CreateOutput,
}

#[derive(Args, Debug)]
pub struct CreateNamespaceArgs {
    pub name: String,
    #[command(flatten)]
    pub out: CreateOutput,
}

type Built = std::result::Result<Value, String>;

fn metadata(name: &str) -> Value {
    json!({"name": name, "creationTimestamp": null})
}

/// The ConfigMap kubectl sends: UTF-8 values in `data`, anything else in `binaryData`.
pub fn config_map(name: &str, sources: &Sources) -> Built {
    check_combination(sources)?;
    let mut cm = ConfigMapData { name, data: Map::new(), binary: Map::new() };
    for (key, bytes) in file_entries(&sources.files)? {
        match String::from_utf8(bytes) {
            Ok(text) => cm.add(&key, Value::String(text), false)?,
            Err(e) => cm.add(&key, Value::String(base64::encode(e.as_bytes())), true)?,
        }
    }
    for (key, value) in literal_entries(&sources.literals)?.into_iter().chain(env_entries(&sources.env_files)?) {
        cm.add(&key, Value::String(value), false)?;
    }
    let mut obj = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata(name)});
    if !cm.data.is_empty() {
        obj["data"] = Value::Object(cm.data);
    }
    if !cm.binary.is_empty() {
        obj["binaryData"] = Value::Object(cm.binary);
    }
    Ok(obj)
}

struct ConfigMapData<'a> {
    name: &'a str,
    data: Map<String, Value>,
    binary: Map<String, Value>,
}

impl ConfigMapData<'_> {
    /// kubectl's `validateNewConfigMap`, then the value into `data` or `binaryData`.
    fn add(&mut self, key: &str, value: Value, binary: bool) -> std::result::Result<(), String> {
        let errs = is_config_map_key(key);
        if !errs.is_empty() {
            return Err(format!("{key:?} is not a valid key name for a ConfigMap: {}", errs.join(",")));
        }
        for (bag, label) in [(&self.data, "Data"), (&self.binary, "BinaryData")] {
            if bag.contains_key(key) {
                return Err(format!(
                    "cannot add key {key:?}, another key by that name already exists in {label} for ConfigMap {:?}",
                    self.name
                ));
            }
        }
        let bag = if binary { &mut self.binary } else { &mut self.data };
        bag.insert(key.to_string(), value);
        Ok(())
    }
}

/// The Secret kubectl sends: every value base64 in `data`; `type` only when given.
pub fn secret(name: &str, type_: Option<&str>, sources: &Sources) -> Built {
    check_combination(sources)?;
    let mut data = Map::new();
    let literals = literal_entries(&sources.literals)?.into_iter().map(|(k, v)| (k, v.into_bytes()));
    let envs = env_entries(&sources.env_files)?.into_iter().map(|(k, v)| (k, v.into_bytes()));
    for (key, bytes) in literals.chain(file_entries(&sources.files)?).chain(envs) {
        let errs = is_config_map_key(&key);
        if !errs.is_empty() {
            return Err(format!("{key:?} is not valid key name for a Secret {}", errs.join(";")));
        }
        if data.contains_key(&key) {
            return Err(format!("cannot add key {key}, another key by that name already exists"));
        }
        data.insert(key, Value::String(base64::encode(&bytes)));
    }
    let mut obj = json!({"apiVersion": "v1", "kind": "Secret", "metadata": metadata(name)});
    if !data.is_empty() {
        obj["data"] = Value::Object(data);
    }
    if let Some(t) = type_.filter(|t| !t.is_empty()) {
        obj["type"] = json!(t);
    }
    Ok(obj)
}

/// The Namespace `kubectl create namespace` sends.
pub fn namespace(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": metadata(name), "spec": {}, "status": {}})
}

fn check_combination(s: &Sources) -> std::result::Result<(), String> {
    if !s.env_files.is_empty() && (!s.files.is_empty() || !s.literals.is_empty()) {
        return Err("from-env-file cannot be combined with from-file or from-literal".into());
    }
    Ok(())
}

/// kubectl's `ParseLiteralSource`: `key=value`, the value may hold `=`.
fn literal_entries(sources: &[String]) -> std::result::Result<Vec<(String, String)>, String> {
    sources
        .iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("invalid literal source {s}, expected key=value")),
        })
        .collect()
}

/// kubectl's `ParseFileSource`: `path` (key: base name) or `key=path`.
fn parse_file_source(source: &str) -> std::result::Result<(Option<String>, String), String> {
    match source.matches('=').count() {
        0 => Ok((None, source.to_string())),
        1 if source.starts_with('=') => Err(format!("key name for file path {} missing", &source[1..])),
        1 if source.ends_with('=') => Err(format!("file path for key name {} missing", &source[..source.len() - 1])),
        1 => {
            let (key, path) = source.split_once('=').unwrap_or_default();
            Ok((Some(key.to_string()), path.to_string()))
        }
        _ => Err("key names or file paths cannot contain '='".into()),
    }
}

/// An I/O error as Go words it (`no such file or directory`).
fn go_io_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// The keys and contents `--from-file` names: a file, or every regular file of a directory.
fn file_entries(sources: &[String]) -> std::result::Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    for source in sources {
        let (key, path) = parse_file_source(source)?;
        let meta = std::fs::metadata(&path).map_err(|e| format!("error reading {path}: {}", go_io_error(&e)))?;
        if !meta.is_dir() {
            let key = key.unwrap_or_else(|| base_name(&path));
            out.push((key, std::fs::read(&path).map_err(|e| go_io_error(&e))?));
            continue;
        }
        if key.is_some() {
            return Err("cannot give a key name for a directory path".into());
        }
        let listing =
            std::fs::read_dir(&path).map_err(|e| format!("error listing files in {path}: {}", go_io_error(&e)))?;
        let mut files: Vec<_> = listing.flatten().filter(|e| e.file_type().is_ok_and(|t| t.is_file())).collect();
        files.sort_by_key(|e| e.file_name());
        for f in files {
            out.push((f.file_name().to_string_lossy().into(), std::fs::read(f.path()).map_err(|e| go_io_error(&e))?));
        }
    }
    Ok(out)
}

/// Go's `path.Base`.
fn base_name(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    Path::new(trimmed).file_name().map(|n| n.to_string_lossy().into()).unwrap_or_else(|| trimmed.into())
}

/// kubectl's `AddFromEnvFile` over each file.
fn env_entries(files: &[String]) -> std::result::Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for path in files {
        let meta = std::fs::metadata(path).map_err(|e| format!("error reading {path}: {}", go_io_error(&e)))?;
        if meta.is_dir() {
            return Err("env config file cannot be a directory".into());
        }
        let content = std::fs::read(path).map_err(|e| go_io_error(&e))?;
        out.extend(parse_env_file(&content, path)?);
    }
    Ok(out)
}

/// kubectl's env file rules: `#` comments and blank lines skipped, leading space trimmed, a
/// UTF-8 BOM dropped from the first line, `KEY=value` split at the first `=`, a bare `KEY`
/// taking its value from this process's environment.
pub fn parse_env_file(content: &[u8], path: &str) -> std::result::Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (n, raw) in content.split(|b| *b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = std::str::from_utf8(raw)
            .map_err(|_| format!("env file {path} contains invalid utf8 bytes at line {}: {raw:?}", n + 1))?;
        let line = if n == 0 { line.trim_start_matches('\u{feff}') } else { line };
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k, v.to_string()),
            None => (line, std::env::var(line).unwrap_or_default()),
        };
        let errs = is_env_var_name(key);
        if !errs.is_empty() {
            return Err(format!("{key:?} is not a valid key name: {}", errs.join(";")));
        }
        out.push((key.to_string(), value));
    }
    Ok(out)
}

/// apimachinery `IsEnvVarName` (the strict rule kubectl applies to env files).
fn is_env_var_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let first_ok = value.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'-' | b'.' | b'_'));
    if !first_ok || !value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')) {
        errs.push(crate::model::validation::names::regex_error(
            "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
            "[-._a-zA-Z][-._a-zA-Z0-9]*",
            &["my.env-name", "MY_ENV.NAME", "MyEnvName1"],
        ));
    }
    match value {
        "." => errs.push("must not be '.'".into()),
        ".." => errs.push("must not be '..'".into()),
        v if v.starts_with("..") => errs.push("must not start with '..'".into()),
        _ => {}
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(literals: &[&str], files: &[&str], env_files: &[&str]) -> Sources {
        let v = |s: &[&str]| s.iter().map(ToString::to_string).collect();
        Sources { literals: v(literals), files: v(files), env_files: v(env_files) }
    }

    #[test]
    fn config_maps_as_kubectl_builds_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.conf"), "port=8080\n").unwrap();
        std::fs::write(dir.path().join("logo.bin"), [0u8, 0xff, 0xfe]).unwrap();
        let conf = dir.path().join("app.conf").display().to_string();
        let bin = format!("logo={}", dir.path().join("logo.bin").display());
        let cm = config_map("hello", &sources(&["MESSAGE=Hi = there"], &[&conf, &bin], &[])).unwrap();
        assert_eq!(
            cm,
            json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "hello", "creationTimestamp": null},
                "data": {"MESSAGE": "Hi = there", "app.conf": "port=8080\n"},
                "binaryData": {"logo": "AP/+"}
            })
        );
        assert_eq!(
            config_map("x", &sources(&["a=1", "a=2"], &[], &[])).unwrap_err(),
            "cannot add key \"a\", another key by that name already exists in Data for ConfigMap \"x\""
        );
        assert_eq!(
            config_map("x", &sources(&["novalue"], &[], &[])).unwrap_err(),
            "invalid literal source novalue, expected key=value"
        );
        assert!(
            config_map("x", &sources(&["a*b=1"], &[], &[]))
                .unwrap_err()
                .starts_with("\"a*b\" is not a valid key name for a ConfigMap: a valid config key")
        );
        assert_eq!(
            config_map("x", &sources(&[], &["/no/such/file"], &[])).unwrap_err(),
            "error reading /no/such/file: no such file or directory"
        );
        assert_eq!(
            config_map("x", &sources(&["a=1"], &[], &["e.env"])).unwrap_err(),
            "from-env-file cannot be combined with from-file or from-literal"
        );
    }

    #[test]
    fn secrets_are_base64_and_typed_only_when_asked() {
        let s = secret("db", None, &sources(&["user=admin", "password=s3cr3t"], &[], &[])).unwrap();
        assert_eq!(s["data"], json!({"user": "YWRtaW4=", "password": "czNjcjN0"}));
        assert!(s.get("type").is_none(), "the server defaults Opaque");
        let s = secret("db", Some("kubernetes.io/basic-auth"), &sources(&["username=a"], &[], &[])).unwrap();
        assert_eq!(s["type"], "kubernetes.io/basic-auth");
        assert_eq!(
            secret("db", None, &sources(&["a=1", "a=2"], &[], &[])).unwrap_err(),
            "cannot add key a, another key by that name already exists"
        );
        assert_eq!(namespace("lab")["metadata"]["name"], "lab");
    }

    #[test]
    fn env_files_follow_kubectls_rules() {
        let parsed = parse_env_file(b"\xef\xbb\xbf# comment\n\n  GREETING=hello=world\r\nEMPTY=\n", "e.env").unwrap();
        assert_eq!(parsed, [("GREETING".into(), "hello=world".into()), ("EMPTY".into(), String::new())]);
        let err = parse_env_file(b"1BAD=x\n", "e.env").unwrap_err();
        assert!(err.starts_with("\"1BAD\" is not a valid key name: a valid environment variable name"), "{err}");
    }
}
