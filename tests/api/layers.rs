//! The layers of `src/`, read from the code's own `crate::…`, `super::…` and `self::…` paths.
//!
//! Top to bottom (README, "Architecture"):
//!
//! 5. `main`, `cli`: the command line.
//! 4. `app`: the composition root (state, schema, server).
//! 3. the API layer: `http`, `dashboard`, `graphql` (the composition of the roots) and
//!    `graphql::*` (request context, loaders, connections, scalars, ids), each room's
//!    `schema`/`mutations`, `events::subscriptions`, `statistics::live`, `oversight::api`;
//!    beside it, never importing it nor imported by it, `demo` (the seeder).
//! 2. the domain layer: each room's services and rules (`cases::lifecycle`, `transfers::…`).
//! 1. shared machinery: `auth`, `events`, `audit`, `calendar`, `config`, `db`, `error`,
//!    `domain`, `sql`, `privacy`, `pagination`, `metrics`, `telemetry`, `files` (the file store).
//!
//! A file may import its own layer or lower ones. Domain and shared files never name
//! `async_graphql` or `actix`. Only the composition root and `http` import `graphql` itself
//! (rooms take their context from `graphql::context`). The import graph has no cycle except
//! among the GraphQL object types of the rooms (a case's `transfers`, a transfer's
//! `resultingCase`…). Test modules are not counted: they may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Shared = 1,
    Domain = 2,
    Api = 3,
    Demo = 4,
    App = 5,
    Cli = 6,
}

const SHARED: &[&str] = &[
    "auth",
    "events",
    "audit",
    "calendar",
    "config",
    "db",
    "error",
    "domain",
    "sql",
    "privacy",
    "pagination",
    "metrics",
    "telemetry",
    "files",
];

fn rank(layer: Layer) -> u8 {
    match layer {
        Layer::Shared => 1,
        Layer::Domain => 2,
        Layer::Api | Layer::Demo => 3,
        Layer::App => 4,
        Layer::Cli => 5,
    }
}

/// API-layer modules that define GraphQL object types of a room (allowed to form cycles).
fn object_types(module: &str) -> bool {
    let last = module.rsplit("::").next().unwrap_or(module);
    !module.starts_with("graphql")
        && (matches!(last, "schema" | "mutations" | "subscriptions" | "live") || module.contains("::api"))
}

fn layer_of(module: &str) -> Layer {
    let first = module.split("::").next().unwrap_or(module);
    if matches!(first, "main" | "cli") {
        return Layer::Cli;
    }
    if first == "app" {
        return Layer::App;
    }
    if first == "demo" {
        return Layer::Demo;
    }
    if matches!(first, "http" | "dashboard" | "graphql") || object_types(module) {
        return Layer::Api;
    }
    if SHARED.contains(&first) {
        return Layer::Shared;
    }
    Layer::Domain
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("src/ is readable").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// `src/cases/lifecycle.rs` → `cases::lifecycle`; `src/lib.rs` → `` (the crate root).
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(src_dir()).expect("under src/").with_extension("");
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let joined = parts.join("::");
    if joined == "lib" { String::new() } else { joined }
}

/// The code of a file without comments, string contents and test modules.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            // A test module (`mod tests { … }` to the end, or `mod tests;`) is not counted.
            if lines.peek().is_some_and(|l| l.trim_start().starts_with("mod ")) {
                break;
            }
        }
        let code = match t.find("//") {
            Some(i) if !t[..i].contains('"') => &t[..i],
            _ => t,
        };
        if t.starts_with("//") {
            continue;
        }
        out.push_str(code);
        out.push('\n');
    }
    // Blank out string literals (a message may say "crate::x" without importing it).
    let mut cleaned = String::with_capacity(out.len());
    let mut in_str = false;
    let mut prev = ' ';
    for ch in out.chars() {
        if ch == '"' && prev != '\\' && prev != '\'' {
            in_str = !in_str;
            cleaned.push('"');
        } else if !in_str {
            cleaned.push(ch);
        }
        prev = if prev == '\\' && ch == '\\' { ' ' } else { ch };
    }
    cleaned
}

fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Expands the path or use-tree that starts at `rest` (just after `crate::`) into full paths.
fn expand(rest: &str, prefix: &str, out: &mut Vec<String>) -> usize {
    let mut i = 0;
    let bytes: Vec<char> = rest.chars().collect();
    let mut path = prefix.to_string();
    loop {
        let start = i;
        while i < bytes.len() && ident_char(bytes[i]) {
            i += 1;
        }
        let seg: String = bytes[start..i].iter().collect();
        if !seg.is_empty() {
            if !path.is_empty() {
                path.push_str("::");
            }
            path.push_str(&seg);
        }
        if i + 1 < bytes.len() && bytes[i] == ':' && bytes[i + 1] == ':' {
            i += 2;
            if i < bytes.len() && bytes[i] == '{' {
                i += 1;
                loop {
                    while i < bytes.len() && (bytes[i].is_whitespace() || bytes[i] == ',') {
                        i += 1;
                    }
                    if i >= bytes.len() || bytes[i] == '}' {
                        return i + 1;
                    }
                    let sub: String = bytes[i..].iter().collect();
                    let used = expand(&sub, &path, out);
                    i += used.max(1);
                    // Skip `as alias`.
                    while i < bytes.len() && bytes[i] != ',' && bytes[i] != '}' {
                        i += 1;
                    }
                }
            }
            continue;
        }
        out.push(path);
        return i;
    }
}

/// The module a path lands in: the longest prefix that is a module of `src/`.
fn resolve(path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len()).rev().map(|n| parts[..n].join("::")).find(|m| modules.contains(m))
}

struct Tree {
    modules: BTreeSet<String>,
    /// module → modules it refers to.
    edges: BTreeMap<String, BTreeSet<String>>,
    /// module → whether its (non-test) code names async-graphql or actix.
    web: BTreeMap<String, Vec<&'static str>>,
}

fn read_tree() -> Tree {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    let texts: Vec<(String, String, bool)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("readable");
            let is_test = f.file_name().is_some_and(|n| n == "tests.rs");
            (module_of(f), text, is_test)
        })
        .collect();
    let modules: BTreeSet<String> = texts.iter().map(|(m, _, _)| m.clone()).filter(|m| !m.is_empty()).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut web: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    for (module, text, is_test) in &texts {
        if module.is_empty() || module == "main" || *is_test {
            continue;
        }
        let code = code_of(text);
        let parent = module.rsplit_once("::").map(|(p, _)| p.to_string()).unwrap_or_default();
        let mut paths = Vec::new();
        for (anchor, base) in [("crate::", String::new()), ("super::", parent.clone()), ("self::", module.clone())] {
            let mut from = 0;
            while let Some(pos) = code[from..].find(anchor) {
                let at = from + pos;
                let before = code[..at].chars().next_back();
                from = at + anchor.len();
                if before.is_some_and(|c| ident_char(c) || c == ':') && !code[..at].ends_with('$') {
                    continue;
                }
                expand(&code[from..], &base, &mut paths);
            }
        }
        let set = edges.entry(module.clone()).or_default();
        for p in paths {
            if let Some(target) = resolve(&p, &modules)
                && &target != module
                && !module.starts_with(&format!("{target}::"))
            {
                set.insert(target);
            }
        }
        for name in ["async_graphql", "actix"] {
            if code.contains(name) {
                web.entry(module.clone()).or_default().push(name);
            }
        }
    }
    Tree { modules, edges, web }
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>, nodes: &BTreeSet<String>) -> Vec<Vec<String>> {
    struct St<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(st: &mut St<'a>, v: &'a str) {
        st.index.insert(v, st.next);
        st.low.insert(v, st.next);
        st.next += 1;
        st.stack.push(v);
        st.on.insert(v);
        let succ: Vec<&'a str> = st.edges.get(v).map(|s| s.iter().map(String::as_str).collect()).unwrap_or_default();
        for w in succ {
            if !st.index.contains_key(w) {
                visit(st, w);
                let lw = st.low[w];
                let lv = st.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if st.on.contains(w) {
                let iw = st.index[w];
                let lv = st.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if st.low[v] == st.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = st.stack.pop() {
                st.on.remove(w);
                scc.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                st.out.push(scc);
            }
        }
    }
    let mut st = St {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for n in nodes {
        if !st.index.contains_key(n.as_str()) {
            visit(&mut st, n);
        }
    }
    st.out
}

#[test]
fn imports_point_down_the_layers() {
    let tree = read_tree();
    assert!(tree.modules.len() > 50, "read the source tree ({} modules)", tree.modules.len());
    let mut wrong = Vec::new();
    for (from, targets) in &tree.edges {
        let lf = layer_of(from);
        for to in targets {
            let lt = layer_of(to);
            let across = matches!((lf, lt), (Layer::Api, Layer::Demo) | (Layer::Demo, Layer::Api));
            if rank(lt) > rank(lf) || across {
                wrong.push(format!("{from} ({lf:?}) imports {to} ({lt:?})"));
            }
            let root = from.split("::").next().unwrap_or_default();
            if to == "graphql" && !matches!(root, "app" | "http" | "cli") {
                wrong.push(format!("{from} imports the composition `graphql`; take the context from graphql::context"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports that point up:\n{}", wrong.join("\n"));
}

#[test]
fn the_domain_and_shared_layers_know_nothing_of_graphql_or_http() {
    let tree = read_tree();
    let wrong: Vec<String> = tree
        .web
        .iter()
        .filter(|(m, _)| matches!(layer_of(m), Layer::Domain | Layer::Shared))
        .map(|(m, names)| format!("{m} names {}", names.join(", ")))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_only_import_cycles_are_among_graphql_object_types() {
    let tree = read_tree();
    let bad: Vec<String> = cycles(&tree.edges, &tree.modules)
        .into_iter()
        .filter(|scc| !scc.iter().all(|m| object_types(m)))
        .map(|scc| scc.join(" → "))
        .collect();
    assert!(bad.is_empty(), "import cycles outside the GraphQL object types:\n{}", bad.join("\n"));
}

#[test]
fn the_reader_sees_the_edges_it_must() {
    // The parser itself: known edges of the tree must be found, or the tests above prove
    // nothing.
    let tree = read_tree();
    let has = |from: &str, to: &str| tree.edges.get(from).is_some_and(|t| t.contains(to));
    assert!(has("transfers::lifecycle", "cases::lifecycle"), "a nested crate path");
    assert!(has("cases::lifecycle", "events"), "a use group");
    assert!(has("app", "graphql"));
    assert!(has("cases::schema", "graphql::context"));
}
