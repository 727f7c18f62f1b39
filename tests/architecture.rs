//! The import graph of `src/` has no cycle: between top-level modules, nor between the sibling
//! modules of any folder; and no top-level module imports one above it in `LAYERS`. Read from
//! the source (`crate::`, `super::` and `self::` paths, in `use` trees and inline; `#[cfg(test)]`
//! modules left out), with no build step; a failure prints each cycle or upward import found.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module path below the crate root: `["model", "validation", "pod"]`.
type ModPath = Vec<String>;

/// The top-level modules from the bottom up: each may import only those before it.
#[rustfmt::skip]
const LAYERS: &[&str] = &[
    "clock", "version",                                 // leaves
    "model", "protobuf", "store", "patch", "printers",  // pure object rules and formats; the store
    "registry",                                         // Kubernetes' object semantics over the store
    "runtime", "conn", "probe",                         // the seams to the engine and the network
    "kubelet", "proxy",                                 // the node's reconciler and the data path
    "metrics",                                          // usage sampled from the engine and the proxy
    "controller",                                       // the reconcilers of objects (the HPA reads metrics)
    "ui", "api", "daemon",                              // serving, and the composition root
    "demo", "cli",                                      // what a user runs
];

#[test]
fn no_top_level_module_imports_one_above_it() {
    let graph = import_graph();
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    let files = module_files(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")));
    let mut wrong: Vec<String> = files
        .keys()
        .filter(|m| m.len() == 1 && rank(&m[0]).is_none())
        .map(|m| format!("{} has no place in LAYERS", m[0]))
        .collect();
    for (from, to) in graph.get(&Vec::new()).into_iter().flatten() {
        for (target, (user, used)) in to {
            match (rank(from), rank(target)) {
                (Some(a), Some(b)) if a > b => {}
                (None, _) | (_, None) => wrong.push(format!("{from} or {target} has no place in LAYERS")),
                _ => wrong.push(format!("{from} -> {target}   ({} uses {})", user.join("::"), used.join("::"))),
            }
        }
    }
    assert!(wrong.is_empty(), "imports that point up a layer:\n  {}", wrong.join("\n  "));
}

#[test]
fn src_has_no_import_cycle() {
    let levels = import_graph();
    let name = |m: &ModPath| if m.is_empty() { "crate".to_string() } else { m.join("::") };
    let mut cycles = Vec::new();
    for (level, edges) in &levels {
        for component in strongly_connected(edges) {
            let steps: Vec<String> = component
                .iter()
                .flat_map(|from| {
                    edges[from]
                        .iter()
                        .filter(|(to, _)| component.contains(*to))
                        .map(move |(to, example)| (from, to, example))
                })
                .map(|(from, to, (user, used))| format!("{from} -> {to}   ({} uses {})", name(user), name(used)))
                .collect();
            cycles.push(format!("in {}:\n  {}", name(level), steps.join("\n  ")));
        }
    }
    assert!(cycles.is_empty(), "import cycles in src/:\n{}", cycles.join("\n"));
}

/// Which module uses which, per folder: at each level (a module path), edges between its
/// children, each with one example of the files involved.
type Graph = BTreeMap<ModPath, BTreeMap<String, BTreeMap<String, (ModPath, ModPath)>>>;

fn import_graph() -> Graph {
    let files = module_files(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")));
    let mut modules: BTreeSet<ModPath> = files.keys().cloned().collect();
    let mut test_only: BTreeSet<ModPath> = BTreeSet::new();
    let tokens: BTreeMap<&ModPath, Vec<String>> =
        files.iter().map(|(m, text)| (m, tokenize(&strip_comments_and_strings(text)))).collect();
    for (module, tokens) in &tokens {
        let (inline, tests) = declared_modules(module, tokens);
        modules.extend(inline);
        test_only.extend(tests);
    }
    let mut uses: Vec<(ModPath, ModPath)> = Vec::new();
    for (module, tokens) in &tokens {
        if (0..=module.len()).any(|n| test_only.contains(&module[..n])) {
            continue;
        }
        for target in referenced_paths(module, tokens) {
            uses.push(((*module).clone(), target));
        }
    }
    let mut levels: Graph = BTreeMap::new();
    for (from, path) in uses {
        let to = longest_module_prefix(&path, &modules);
        let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
        if common == from.len() || common == to.len() {
            continue; // a module and its ancestors or descendants are one unit at every level
        }
        let level = from[..common].to_vec();
        let edges = levels.entry(level).or_default();
        edges.entry(from[common].clone()).or_default().entry(to[common].clone()).or_insert((from.clone(), to.clone()));
    }
    levels
}

/// Every `.rs` file under `src/` (but the binary's `main.rs`) by the module path it declares.
fn module_files(src: &Path) -> BTreeMap<ModPath, String> {
    let mut files = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("src/ is readable").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).expect("under src/").with_extension("");
            let mut module: ModPath = relative.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            match module.last().map(String::as_str) {
                Some("main") if module.len() == 1 => continue,
                Some("lib") if module.len() == 1 => module.clear(),
                Some("mod") => {
                    module.pop();
                }
                _ => {}
            }
            files.insert(module, std::fs::read_to_string(&path).expect("source is UTF-8"));
        }
    }
    files
}

/// The source with comments (doc links name paths too) and string and char literals blanked.
fn strip_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1).copied()) {
            ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ('/', Some('*')) => {
                let mut depth = 0;
                while i < chars.len() {
                    if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            ('r', Some('#' | '"'))
                if !chars.get(i.wrapping_sub(1)).is_some_and(|c| c.is_alphanumeric() || *c == '_') =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while chars.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if chars.get(j) != Some(&'"') {
                    out.push(chars[i]);
                    i += 1;
                    continue;
                }
                j += 1;
                while j < chars.len() && !(chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#'))) {
                    j += 1;
                }
                i = j + 1 + hashes;
                out.push_str("\"\"");
            }
            ('"', _) => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            ('\'', _) => {
                // a char literal ('a', '\n', '\u{1F}') or a lifetime ('a): blank only the former
                let end = if chars.get(i + 1) == Some(&'\\') {
                    chars[i + 2..].iter().position(|c| *c == '\'').map(|p| i + 2 + p)
                } else if chars.get(i + 2) == Some(&'\'') {
                    Some(i + 2)
                } else {
                    None
                };
                match end {
                    Some(end) => {
                        out.push_str("' '");
                        i = end + 1;
                    }
                    None => {
                        out.push('\'');
                        i += 1;
                    }
                }
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' || c == '$' {
            let mut word = c.to_string();
            while let Some(&n) = chars.peek().filter(|n| n.is_alphanumeric() || **n == '_') {
                word.push(n);
                chars.next();
            }
            tokens.push(word.trim_start_matches('$').to_string());
        } else if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            tokens.push("::".into());
        } else if !c.is_whitespace() {
            tokens.push(c.to_string());
        }
    }
    tokens
}

/// The module each token sits in: the file's module plus any `mod name { … }` around it;
/// `None` inside a `#[cfg(test)]` module, whose imports are not part of the layering.
fn scopes(file: &ModPath, tokens: &[String]) -> Vec<Option<ModPath>> {
    let mut open: Vec<(usize, String, bool)> = Vec::new();
    let mut depth = 0;
    let mut scope = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.iter().enumerate() {
        match token.as_str() {
            "{" => {
                depth += 1;
                if i >= 2 && tokens[i - 2] == "mod" {
                    open.push((depth, tokens[i - 1].clone(), is_test_only(tokens, i - 2)));
                }
            }
            "}" => {
                if open.last().is_some_and(|(d, _, _)| *d == depth) {
                    open.pop();
                }
                depth -= 1;
            }
            _ => {}
        }
        let in_test = open.iter().any(|(_, _, test)| *test);
        scope.push(
            (!in_test).then(|| file.iter().cloned().chain(open.iter().map(|(_, name, _)| name.clone())).collect()),
        );
    }
    scope
}

/// Whether the `mod` at `i` (after an optional `pub`) carries `#[cfg(test)]`.
fn is_test_only(tokens: &[String], mut i: usize) -> bool {
    if i > 0 && tokens[i - 1] == "pub" {
        i -= 1;
    }
    i >= 7 && tokens[i - 7..i].join("") == "#[cfg(test)]"
}

/// The modules a file declares: `mod a { … }` inline, and those under `#[cfg(test)]`.
fn declared_modules(file: &ModPath, tokens: &[String]) -> (Vec<ModPath>, Vec<ModPath>) {
    let scope = scopes(file, tokens);
    let mut inline = Vec::new();
    let mut test_only = Vec::new();
    for i in 0..tokens.len().saturating_sub(2) {
        if tokens[i] != "mod" {
            continue;
        }
        let mut module = file.clone();
        module.push(tokens[i + 1].clone());
        if tokens[i + 2] == "{" {
            inline.push(module.clone());
        }
        if is_test_only(tokens, i) || scope[i].is_none() {
            test_only.push(module);
        }
    }
    (inline, test_only)
}

/// Every absolute module path the file names through `crate::`, `super::` or `self::`,
/// with `use` trees (`crate::a::{b, c::{d, e}}`) expanded.
fn referenced_paths(file: &ModPath, tokens: &[String]) -> Vec<ModPath> {
    let scope = scopes(file, tokens);
    let mut paths = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let starts_path = matches!(tokens[i].as_str(), "crate" | "super" | "self")
            && tokens.get(i + 1).is_some_and(|t| t == "::")
            && (i == 0 || tokens[i - 1] != "::");
        if !starts_path {
            i += 1;
            continue;
        }
        let Some(here) = &scope[i] else {
            i += 1;
            continue;
        };
        let mut base = if tokens[i] == "crate" { Vec::new() } else { here.clone() };
        while tokens.get(i).is_some_and(|t| t == "super" || t == "self") && tokens.get(i + 1).is_some_and(|t| t == "::")
        {
            if tokens[i] == "super" {
                base.pop();
            }
            i += 2;
        }
        if tokens.get(i).is_some_and(|t| t == "crate") {
            i += 2;
        }
        i = use_tree(tokens, i, base, &mut paths);
    }
    paths
}

/// Reads one use tree at `i` below `prefix`; returns the index after it.
fn use_tree(tokens: &[String], mut i: usize, mut prefix: ModPath, out: &mut Vec<ModPath>) -> usize {
    loop {
        match tokens.get(i).map(String::as_str) {
            Some("{") => {
                i += 1;
                while tokens.get(i).is_some_and(|t| t != "}") {
                    let before = i;
                    i = use_tree(tokens, i, prefix.clone(), out);
                    if tokens.get(i).is_some_and(|t| t == ",") || i == before {
                        i += 1; // past a comma, or a glob
                    }
                }
                return i + 1;
            }
            Some(word) if word.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                if word != "self" {
                    prefix.push(word.to_string());
                }
                i += 1;
                if tokens.get(i).is_some_and(|t| t == "::") {
                    i += 1;
                    continue;
                }
                out.push(prefix);
                return i;
            }
            _ => {
                out.push(prefix);
                return i;
            }
        }
    }
}

fn longest_module_prefix(path: &ModPath, modules: &BTreeSet<ModPath>) -> ModPath {
    (0..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| modules.contains(p)).unwrap_or_default()
}

/// The strongly connected components of more than one node: the modules that reach each other.
fn strongly_connected(edges: &BTreeMap<String, BTreeMap<String, (ModPath, ModPath)>>) -> Vec<BTreeSet<String>> {
    let reach = |from: &String| {
        let mut seen: BTreeSet<&String> = BTreeSet::new();
        let mut todo = vec![from];
        while let Some(n) = todo.pop() {
            for m in edges.get(n).into_iter().flat_map(|t| t.keys()) {
                if seen.insert(m) {
                    todo.push(m);
                }
            }
        }
        seen
    };
    let mut components: Vec<BTreeSet<String>> = Vec::new();
    for start in edges.keys() {
        if components.iter().any(|c| c.contains(start)) {
            continue;
        }
        let component: BTreeSet<String> =
            reach(start).into_iter().filter(|n| reach(n).contains(start)).cloned().collect();
        if component.len() > 1 {
            components.push(component);
        }
    }
    components
}
