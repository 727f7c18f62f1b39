//! Reading manifests from the files, directories and stdin named with `-f`.

use super::client::{CliError, Result};
use crate::model::manifest;
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One object and where it came from.
pub struct Doc {
    pub source: String,
    pub value: Value,
}

/// Every object in `paths` (a directory contributes its .yaml, .yml and .json files, sorted).
pub fn read(paths: &[PathBuf]) -> Result<Vec<Doc>> {
    if paths.is_empty() {
        return Err(CliError::msg("must specify one of -f and -k"));
    }
    let mut docs = Vec::new();
    for path in paths {
        for file in expand(path)? {
            let (source, text) = if file.as_os_str() == "-" {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text).map_err(|e| CliError::msg(format!("reading stdin: {e}")))?;
                ("STDIN".to_string(), text)
            } else {
                let text = std::fs::read_to_string(&file).map_err(|e| {
                    CliError::msg(format!("the path {:?} does not exist: {e}", file.display().to_string()))
                })?;
                (file.display().to_string(), text)
            };
            let values = manifest::parse(&text).map_err(|e| CliError::msg(format!("error parsing {source}: {e}")))?;
            docs.extend(values.into_iter().map(|value| Doc { source: source.clone(), value }));
        }
    }
    Ok(docs)
}

fn expand(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| CliError::msg(format!("reading {}: {e}", path.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml" | "json")))
        .collect();
    files.sort();
    Ok(files)
}

/// The namespace a document's object lives in: its own, else `default`; none for cluster-scoped
/// kinds (a Namespace).
pub fn namespace_of(kind: crate::model::Kind, doc: &serde_json::Value, default: &str) -> String {
    if !kind.info().namespaced {
        return String::new();
    }
    doc["metadata"]["namespace"].as_str().filter(|n| !n.is_empty()).unwrap_or(default).to_string()
}
