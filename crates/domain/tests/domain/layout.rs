//! The domain's layout, read from its sources: the shared ground imports no capability, the
//! auth core imports nothing of the blog, and each capability folder imports only the
//! capabilities below it, so the import graph has no circle and nothing points upward.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The ground every capability stands on.
const GROUND: &[&str] = &[
    "client",
    "clock",
    "content_tag",
    "error",
    "events",
    "mail",
    "secret",
    "throttle",
    "user",
    "validation",
];

/// What the auth capabilities share, below all of them.
const AUTH_SHARED: &[&str] = &["error", "guard", "hashing", "letters", "policy", "shares"];

/// Each capability and the capabilities it may import: session is the base (a `Caller` is how
/// every other one knows who asks), and nothing imports account.
const CAPABILITIES: &[(&str, &[&str])] = &[
    ("session", &[]),
    ("verification", &["session"]),
    ("login", &["session", "verification"]),
    ("picture", &["session"]),
    ("recovery", &["session"]),
    (
        "account",
        &["session", "picture", "recovery", "verification"],
    ),
];

/// Where a module sits in the layout.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Room {
    /// The crate root: its re-exports stand for the modules they name.
    Root,
    Ground(String),
    AuthShared(String),
    /// `auth` itself: the wiring of every capability.
    AuthWiring,
    Capability(String),
    Blog,
    Testing,
}

fn room_of(module: &[String]) -> Room {
    match module.first().map(String::as_str) {
        None => Room::Root,
        Some("auth") => match module.get(1).map(String::as_str) {
            None => Room::AuthWiring,
            Some(part) if AUTH_SHARED.contains(&part) => Room::AuthShared(part.to_owned()),
            Some(part) if CAPABILITIES.iter().any(|(name, _)| *name == part) => {
                Room::Capability(part.to_owned())
            }
            Some(other) => panic!("auth::{other} is in no room of the layout: add it here"),
        },
        Some("blog") => Room::Blog,
        Some("testing") => Room::Testing,
        Some(part) if GROUND.contains(&part) => Room::Ground(part.to_owned()),
        // The crate root's own macros.
        Some("opaque_debug") => Room::Root,
        Some(other) => panic!("crate::{other} is in no room of the layout: add it here"),
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The module path a source file defines (`auth/account/mod.rs` is `auth::account`).
fn module_of(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The code of a file without its comments (doc examples name the public paths, which are
/// not imports) and without its `#[cfg(test)]` module.
fn code_of(text: &str) -> String {
    let before_tests = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    before_tests
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names the crate root re-exports, and the module each comes from.
fn root_exports() -> BTreeMap<String, Vec<String>> {
    let lib = code_of(&std::fs::read_to_string(src().join("lib.rs")).unwrap());
    let mut exports = BTreeMap::new();
    for statement in lib.split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let (path, names) = match rest.split_once("::{") {
            Some((path, names)) => (path, names.trim_end_matches('}')),
            None => rest.rsplit_once("::").unwrap(),
        };
        let module: Vec<String> = path.split("::").map(str::to_owned).collect();
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            exports.insert(name.to_owned(), module.clone());
        }
    }
    exports
}

/// Every module a file's code names through `crate::` or `super::` paths (a `use` group
/// counts for each of its names).
fn references(file: &Path, exports: &BTreeMap<String, Vec<String>>) -> BTreeSet<Vec<String>> {
    let code = code_of(&std::fs::read_to_string(file).unwrap());
    let module = module_of(file);
    // A `use` group spread over lines becomes one word: `crate::x::{A,B}`.
    let mut joined = String::with_capacity(code.len());
    let mut depth = 0usize;
    for c in code.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            c if c.is_whitespace() && depth > 0 => continue,
            _ => {}
        }
        joined.push(c);
    }
    let mut found = BTreeSet::new();
    let words = joined
        .split(|c: char| !(c.is_alphanumeric() || "_:{},".contains(c)))
        .filter(|w| w.starts_with("crate::") || w.starts_with("super::"));
    for word in words {
        let mut base = if word.starts_with("crate::") {
            Vec::new()
        } else {
            module[..module.len().saturating_sub(1)].to_vec()
        };
        let mut rest = word
            .strip_prefix("crate::")
            .or_else(|| word.strip_prefix("super::"))
            .unwrap_or(word);
        while let Some(further) = rest.strip_prefix("super::") {
            base.pop();
            rest = further;
        }
        let (prefix, group) = match rest.split_once('{') {
            Some((prefix, group)) => (prefix, group.trim_end_matches('}')),
            None => (rest, ""),
        };
        let mut paths: Vec<String> = group
            .split(',')
            .filter(|n| !n.is_empty())
            .map(|n| format!("{prefix}{n}"))
            .collect();
        if paths.is_empty() {
            paths.push(prefix.to_owned());
        }
        for path in paths {
            let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            let modules: Vec<String> = segments
                .iter()
                .take_while(|s| s.starts_with(|c: char| c.is_lowercase() || c == '_'))
                .filter(|s| **s != "self")
                .map(|s| (*s).to_owned())
                .collect();
            let mut target = base.clone();
            target.extend(modules);
            if target.is_empty() {
                // A name the crate root re-exports: it stands for the module it comes from.
                if let Some(origin) = segments.first().and_then(|name| exports.get(*name)) {
                    found.insert(origin.clone());
                }
                continue;
            }
            found.insert(target);
        }
    }
    found
}

/// Why `from` may not name `to`, if it may not.
fn breach(from: &Room, to: &Room) -> Option<&'static str> {
    use Room::{AuthShared, AuthWiring, Blog, Capability, Ground, Root, Testing};
    match (from, to) {
        (_, Root) | (Root, _) | (Testing, _) => None,
        (_, Testing) => Some("only the test kit may name the test kit"),
        (Ground(_), Ground(_)) => None,
        (Ground(_), _) => Some("the ground names no capability and no blog"),
        (AuthShared(_), Ground(_) | AuthShared(_)) => None,
        (AuthShared(_), _) => Some("what the capabilities share names none of them"),
        (AuthWiring, Blog) | (Capability(_), Blog) => {
            Some("the auth core knows nothing of the blog")
        }
        (AuthWiring, _) | (Blog, _) => None,
        (Capability(_), Ground(_) | AuthShared(_) | AuthWiring) => None,
        (Capability(mine), Capability(theirs)) => {
            let allowed = CAPABILITIES
                .iter()
                .find(|(name, _)| name == mine)
                .map_or(&[][..], |(_, below)| *below);
            (mine == theirs || allowed.contains(&theirs.as_str()))
                .then_some(())
                .map_or(
                    Some("a capability names only the capabilities below it"),
                    |()| None,
                )
        }
    }
}

#[test]
fn no_import_in_the_domain_points_upward_or_between_capabilities_out_of_order() {
    let exports = root_exports();
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let mut breaches = Vec::new();
    for file in &files {
        let from = room_of(&module_of(file));
        for target in references(file, &exports) {
            let to = room_of(&target);
            if let Some(why) = breach(&from, &to) {
                breaches.push(format!(
                    "{} names crate::{}: {why}",
                    file.strip_prefix(src()).unwrap().display(),
                    target.join("::")
                ));
            }
        }
    }
    assert!(breaches.is_empty(), "{}", breaches.join("\n"));
}

#[test]
fn the_capabilities_allowed_imports_form_no_circle() {
    fn reaches(from: &str, to: &str, seen: &mut BTreeSet<String>) -> bool {
        let below = CAPABILITIES
            .iter()
            .find(|(name, _)| *name == from)
            .map_or(&[][..], |(_, below)| *below);
        below
            .iter()
            .any(|next| *next == to || (seen.insert((*next).to_owned()) && reaches(next, to, seen)))
    }
    for (name, _) in CAPABILITIES {
        assert!(
            !reaches(name, name, &mut BTreeSet::new()),
            "{name} reaches itself"
        );
    }
}

#[test]
fn the_layout_check_sees_an_upward_import() {
    // The check itself must be able to fail: a ground module naming a capability is caught,
    // whether through its folder or through a name the crate root re-exports.
    let exports = root_exports();
    let origin = exports
        .get("SessionId")
        .expect("the root re-exports SessionId");
    let from = Room::Ground("user".to_owned());
    assert!(breach(&from, &room_of(origin)).is_some());
    assert!(breach(&from, &room_of(&["auth".to_owned(), "login".to_owned()])).is_some());
    assert!(
        breach(
            &Room::Capability("session".to_owned()),
            &Room::Capability("account".to_owned())
        )
        .is_some()
    );
}
