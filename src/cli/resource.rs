//! Naming objects on the command line: `TYPE NAME...`, `TYPE/NAME`, `TYPE1,TYPE2`, `all`.

use super::client::{CliError, Result};
use crate::model::Kind;

/// A kind and, optionally, one object of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    pub kind: Kind,
    pub name: Option<String>,
}

pub fn kind(s: &str) -> Result<Kind> {
    Kind::parse(s).ok_or_else(|| CliError::msg(format!("the server doesn't have a resource type {s:?}")))
}

/// `deployment.apps`, `pod`: how kubectl names a kind in its output.
pub fn qualified(kind: Kind) -> String {
    let info = kind.info();
    if info.group.is_empty() { info.singular.to_string() } else { format!("{}.{}", info.singular, info.group) }
}

/// Resolves kubectl-style resource arguments.
pub fn parse(args: &[String]) -> Result<Vec<Ref>> {
    let Some(first) = args.first() else {
        return Err(CliError::msg("You must specify the type of resource to get."));
    };
    if first.contains('/') {
        return args
            .iter()
            .map(|a| {
                let (t, n) = a.split_once('/').ok_or_else(|| CliError::msg("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'skiff get resource/<resource_name>' instead of 'skiff get resource resource/<resource_name>'"))?;
                Ok(Ref { kind: kind(t)?, name: Some(n.to_string()) })
            })
            .collect();
    }
    let mut kinds = Vec::new();
    for t in first.split(',') {
        if t == "all" {
            kinds.extend([Kind::Pod, Kind::Service, Kind::Deployment, Kind::ReplicaSet]);
        } else {
            kinds.push(kind(t)?);
        }
    }
    let names = &args[1..];
    if names.is_empty() {
        return Ok(kinds.into_iter().map(|kind| Ref { kind, name: None }).collect());
    }
    if kinds.len() > 1 {
        return Err(CliError::msg("you must specify only one resource type when naming objects"));
    }
    Ok(names.iter().map(|n| Ref { kind: kinds[0], name: Some(n.clone()) }).collect())
}

/// Splits `args` into resources and the `KEY=VALUE`/`KEY-` pairs after them (kubectl's
/// `GetResourcesAndPairs`); a resource after a pair is an error naming `pair_type`.
pub fn resources_and_pairs(args: &[String], pair_type: &str) -> Result<(Vec<String>, Vec<String>)> {
    let (mut resources, mut pairs) = (Vec::new(), Vec::new());
    for arg in args {
        let is_pair = (arg.contains('=') && !arg.starts_with('=')) || (arg.ends_with('-') && arg != "-");
        match (is_pair, pairs.is_empty()) {
            (true, _) => pairs.push(arg.clone()),
            (false, true) => resources.push(arg.clone()),
            (false, false) => {
                return Err(CliError::msg(format!(
                    "all resources must be specified before {pair_type} changes: {arg}"
                )));
            }
        }
    }
    Ok((resources, pairs))
}

/// Exactly one `TYPE/NAME` or `TYPE NAME`.
pub fn one(args: &[String]) -> Result<(Kind, String)> {
    match parse(args)?.as_slice() {
        [Ref { kind, name: Some(name) }] => Ok((*kind, name.clone())),
        _ => Err(CliError::msg("exactly one NAME is required, got none or several")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_kubectl_forms() {
        assert_eq!(
            parse(&args(&["deploy/web"])).unwrap(),
            vec![Ref { kind: Kind::Deployment, name: Some("web".into()) }]
        );
        assert_eq!(parse(&args(&["po", "a", "b"])).unwrap().len(), 2);
        assert_eq!(parse(&args(&["deploy,svc"])).unwrap().len(), 2);
        assert_eq!(parse(&args(&["all"])).unwrap().len(), 4);
        assert_eq!(parse(&args(&["no"])).unwrap(), vec![Ref { kind: Kind::Node, name: None }]);
        assert_eq!(
            parse(&args(&["leases"])).unwrap_err().to_string(),
            "error: the server doesn't have a resource type \"leases\""
        );
        assert_eq!(qualified(Kind::Deployment), "deployment.apps");
        assert_eq!(qualified(Kind::Service), "service");
        assert_eq!(one(&args(&["deployment", "web"])).unwrap(), (Kind::Deployment, "web".into()));
        let (resources, pairs) = resources_and_pairs(&args(&["deploy", "web", "app=x", "tier-"]), "label").unwrap();
        assert_eq!((resources, pairs), (args(&["deploy", "web"]), args(&["app=x", "tier-"])));
        assert_eq!(
            resources_and_pairs(&args(&["deploy", "a=b", "web"]), "label").unwrap_err().to_string(),
            "error: all resources must be specified before label changes: web"
        );
    }
}
