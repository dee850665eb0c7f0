//! The shape of `src/`, checked: files small and named after one job, no import circle (not even
//! two files that import each other), and a domain that knows no HTTP. Run it alone with
//! `cargo test --test structure`; a failure names the file and what to do.

#[path = "common/source.rs"]
mod source;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest file in `src/`, in lines.
const MAX_LINES: usize = 300;
/// The domain: money, users and accounts, transfers, and the audit log's plain data.
const DOMAIN: &[&str] = &["src/accounts", "src/transfers", "src/audit", "src/money.rs"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/`, as a path relative to the crate (`src/a/b.rs`).
fn files() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    source::rust_files(&src()).iter().map(|p| p.strip_prefix(root).unwrap().display().to_string()).collect()
}

fn read(file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap()
}

/// The code of a file without its comments and its unit tests (a `#[cfg(test)]` module, at the end
/// by convention): a doc link to another module is not an import.
fn code(file: &str) -> String {
    let text = read(file);
    let text = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    text.lines().map(|line| line.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

/// The module path of a file: `src/a/b.rs` and `src/a/b/mod.rs` are `[a, b]`; `src/lib.rs` is `[]`.
fn module_of(file: &str) -> Vec<String> {
    let inner = file.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts: Vec<String> = inner.split('/').map(str::to_owned).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The file that defines a module path, if any.
fn file_of(module: &[String], files: &BTreeSet<String>) -> Option<String> {
    if module.is_empty() {
        return Some("src/lib.rs".to_owned());
    }
    let joined = module.join("/");
    [format!("src/{joined}.rs"), format!("src/{joined}/mod.rs")].into_iter().find(|f| files.contains(f))
}

/// The paths a `use` tree names, braces expanded: `a::{b, c::d}` gives `a::b` and `a::c::d`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else { return vec![tree] };
    let prefix = &tree[..open];
    let body = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut depth, mut start, mut parts) = (0, 0, Vec::new());
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).flat_map(|p| expand(&format!("{prefix}{p}"))).collect()
}

/// Every path of the crate a file names: its `use` trees and the `crate::`/`super::` paths in
/// its code, resolved to module paths.
fn named_paths(file: &str) -> Vec<Vec<String>> {
    let code = code(file);
    let here = module_of(file);
    let is_mod_file = file.ends_with("mod.rs") || file == "src/lib.rs" || file == "src/main.rs";
    let mut trees = Vec::new();
    for statement in code.split(';') {
        let statement = statement.trim();
        let statement = statement.rsplit('\n').next().unwrap_or(statement).trim();
        if let Some(rest) = statement.strip_prefix("pub use ").or_else(|| statement.strip_prefix("use ")) {
            trees.extend(expand(rest));
        }
    }
    for (at, _) in code.match_indices("crate::").chain(code.match_indices("super::")) {
        let path: String =
            code[at..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
        trees.push(path);
    }
    let children: BTreeSet<String> = code
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod ").or_else(|| l.trim().strip_prefix("mod ")))
        .map(|l| l.trim_end_matches(';').trim().to_owned())
        .collect();
    let mut out = Vec::new();
    for tree in trees {
        let segments: Vec<String> = tree
            .split("::")
            .filter(|s| !s.is_empty())
            .map(|s| s.split(" as ").next().unwrap().to_owned())
            .collect();
        let Some(first) = segments.first() else { continue };
        let resolved = match first.as_str() {
            "crate" => segments[1..].to_vec(),
            "super" => {
                // In `a/b.rs` (module a::b), `super` is `a`; in `a/mod.rs` (module a), it is the crate root.
                let mut base = here.clone();
                let mut rest = &segments[..];
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = &rest[1..];
                }
                base.extend(rest.iter().cloned());
                base
            }
            "self" => here.iter().cloned().chain(segments[1..].iter().cloned()).collect(),
            child if is_mod_file && children.contains(child) => {
                here.iter().cloned().chain(segments.iter().cloned()).collect()
            }
            _ => continue,
        };
        out.push(resolved);
    }
    out
}

/// The import graph: file -> the files whose items it names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let files: BTreeSet<String> = files().into_iter().collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let mut targets = BTreeSet::new();
        for path in named_paths(file) {
            // The longest prefix of the path that is a module with a file of its own.
            let target = (0..=path.len()).rev().find_map(|n| file_of(&path[..n], &files));
            if let Some(target) = target.filter(|t| t != file && t != "src/lib.rs") {
                targets.insert(target);
            }
        }
        graph.insert(file.clone(), targets);
    }
    graph
}

#[test]
fn no_file_in_src_is_over_300_lines() {
    let long: Vec<String> = files()
        .into_iter()
        .map(|f| (read(&f).lines().count(), f))
        .filter(|(lines, _)| *lines > MAX_LINES)
        .map(|(lines, f)| format!("{f}: {lines} lines"))
        .collect();
    assert!(long.is_empty(), "split these by responsibility (at most {MAX_LINES} lines): {long:#?}");
}

#[test]
fn no_import_circle_in_src() {
    let graph = imports();
    // Depth-first search; a node met again on the current path closes a circle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        circles: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_owned());
            circles.push(circle.join(" -> "));
            return;
        }
        if !done.insert(node.to_owned()) {
            return;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done, circles);
        }
        path.pop();
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done, &mut circles);
    }
    assert!(circles.is_empty(), "import circles (a file reaches itself through its imports): {circles:#?}");
}

#[test]
fn the_domain_knows_no_http_and_nothing_of_the_lab() {
    /// What the domain may not reach: the lab, the web layer, identity, state, the protections,
    /// the error-to-response mapping, start-up.
    const OUTSIDE: &[&str] = &[
        "src/lab/",
        "src/web/",
        "src/identity/",
        "src/protections/",
        "src/proxy/",
        "src/state.rs",
        "src/error.rs",
        "src/startup.rs",
        "src/bank.rs",
    ];
    let graph = imports();
    let mut found = Vec::new();
    for file in files().into_iter().filter(|f| DOMAIN.iter().any(|d| f.starts_with(d))) {
        if code(&file).contains("actix") {
            found.push(format!("{file} names actix"));
        }
        for target in graph[&file].iter().filter(|t| OUTSIDE.iter().any(|o| t.starts_with(o))) {
            found.push(format!("{file} imports {target}"));
        }
    }
    assert!(found.is_empty(), "the domain is plain Rust, SQL and its own errors: {found:#?}");
}

#[test]
fn the_checks_themselves_see_imports() {
    // Positive controls: the parser finds known edges, so an empty result above means something.
    let graph = imports();
    assert!(graph["src/startup.rs"].contains("src/bank.rs"), "{:?}", graph["src/startup.rs"]);
    assert!(graph["src/bank.rs"].contains("src/protections/csrf.rs"), "{:?}", graph["src/bank.rs"]);
    assert!(graph["src/config/parse.rs"].contains("src/lab/mod.rs"), "{:?}", graph["src/config/parse.rs"]);
    assert!(graph["src/money.rs"].is_empty(), "{:?}", graph["src/money.rs"]);
    assert!(
        graph["src/web/transfer.rs"].contains("src/transfers/mod.rs"),
        "{:?}",
        graph["src/web/transfer.rs"]
    );
    assert!(
        graph["src/transfers/repo.rs"].contains("src/accounts/mod.rs"),
        "{:?}",
        graph["src/transfers/repo.rs"]
    );
    assert_eq!(expand("a::{b, c::{d, e}}"), ["a::b", "a::c::d", "a::c::e"]);
    assert!(files().len() > 30);
}
