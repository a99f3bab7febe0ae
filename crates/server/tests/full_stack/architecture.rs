//! The layering rules, checked against the resolved dependency graph rather than memory:
//! the domain depends on nothing that touches SQL, HTTP, crypto, configuration or an async
//! runtime; the HTTP layers never see the adapters or SeaORM; the light HTTP crate for
//! embedders carries nothing but axum and the domain; an embedding service gets none of
//! the blog's web layer; and only the composition root links a metrics exporter (the domain
//! not even the metrics facade).

use std::path::Path;
use std::process::Command;

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .parent()
        .unwrap()
}

/// Every package in `package`'s normal (non-dev, non-build) dependency tree.
fn normal_dependency_tree(package: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(workspace_root())
        .args([
            "tree",
            "--offline",
            "-p",
            package,
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn assert_free_of(package: &str, forbidden: &[&str]) {
    let tree = normal_dependency_tree(package);
    assert!(
        tree.iter().any(|p| p == package),
        "cargo tree printed nothing useful: {tree:?}"
    );
    let found: Vec<&String> = tree
        .iter()
        .filter(|p| forbidden.contains(&p.as_str()))
        .collect();
    assert!(found.is_empty(), "{package} depends on {found:?}");
}

#[test]
fn the_domain_depends_on_no_database_http_crypto_config_runtime_or_metrics_crate() {
    assert_free_of(
        "quill-domain",
        &[
            "sea-orm",
            "sea-query",
            "sqlx",
            "sqlx-core",
            "axum",
            "hyper",
            "tower",
            "tokio",
            "argon2",
            "jsonwebtoken",
            "figment",
            "dotenvy",
            "reqwest",
            "sha2",
            "governor",
            "metrics",
            "metrics-exporter-prometheus",
        ],
    );
}

#[test]
fn the_embedders_http_crate_carries_no_orm_hashing_token_configuration_or_metrics_crate() {
    assert_free_of(
        "quill-axum",
        &[
            "quill-infra",
            "quill-web",
            "sea-orm",
            "sqlx",
            "sqlx-core",
            "argon2",
            "jsonwebtoken",
            "figment",
            "minijinja",
            "utoipa",
            "metrics",
            "metrics-exporter-prometheus",
        ],
    );
}

#[test]
fn an_embedding_service_compiles_none_of_the_blogs_web_layer() {
    assert_free_of(
        "notes-service",
        &[
            "quill-web",
            "minijinja",
            "utoipa",
            "utoipa-swagger-ui",
            "governor",
        ],
    );
}

#[test]
fn a_service_that_only_verifies_tokens_compiles_no_database_hashing_or_openssl() {
    assert_free_of(
        "verify-service",
        &[
            "quill-infra",
            "quill-web",
            "quill-migration",
            "sea-orm",
            "sqlx",
            "argon2",
            "lettre",
            "image",
            "openssl",
            "openssl-sys",
            "aws-lc-rs",
        ],
    );
}

#[test]
fn the_web_layer_never_depends_on_the_adapters_or_the_orm() {
    assert_free_of(
        "quill-web",
        &[
            "quill-infra",
            "quill-migration",
            "sea-orm",
            "sqlx",
            "sqlx-core",
            "argon2",
            "jsonwebtoken",
            "figment",
            "metrics-exporter-prometheus",
        ],
    );
    let manifest = std::fs::read_to_string(workspace_root().join("crates/web/Cargo.toml")).unwrap();
    let manifest: toml::Table = manifest.parse().unwrap();
    for section in ["dependencies", "dev-dependencies"] {
        if let Some(deps) = manifest.get(section).and_then(|d| d.as_table()) {
            assert!(
                !deps.contains_key("quill-infra"),
                "web's {section} lists quill-infra"
            );
            assert!(
                !deps.contains_key("sea-orm"),
                "web's {section} lists sea-orm"
            );
        }
    }
}

#[test]
fn the_test_support_crate_is_built_into_neither_quill_nor_an_embedding_service() {
    for package in ["quill-server", "notes-service"] {
        assert_free_of(package, &["quill-test-support"]);
    }
}

#[test]
fn the_adapters_never_depend_on_the_http_layer() {
    assert_free_of(
        "quill-infra",
        &["quill-web", "axum", "metrics-exporter-prometheus"],
    );
}

/// The most non-blank lines a source module may have outside its tests.
const MODULE_LINE_LIMIT: usize = 400;

/// Every `.rs` file under `dir`, recursively, as paths relative to the workspace root.
fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "target") {
                rust_files(&path, found);
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The packages' folders: every crate, the migration, the benchmark and every example.
fn package_dirs() -> Vec<std::path::PathBuf> {
    let root = workspace_root();
    let mut dirs = vec![root.join("migration"), root.join("bench")];
    for group in ["crates", "examples"] {
        for entry in std::fs::read_dir(root.join(group)).unwrap() {
            dirs.push(entry.unwrap().path());
        }
    }
    dirs
}

/// A source file's lines, split into the module's own and those of its inline
/// `#[cfg(test)] mod … { … }` blocks (a top-level attribute, the block closed by a `}` at
/// the start of a line, as rustfmt writes it).
fn code_and_inline_tests(source: &str) -> (Vec<&str>, Vec<&str>) {
    let (mut code, mut tests) = (Vec::new(), Vec::new());
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        let opens_tests = line == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.starts_with("mod ") && next.ends_with('{'));
        if !opens_tests {
            code.push(line);
            continue;
        }
        for inner in lines.by_ref() {
            tests.push(inner);
            if inner == "}" {
                break;
            }
        }
    }
    (code, tests)
}

/// Whether a whole file is tests: under a package's `tests/`, or a module of tests on its
/// own (`tests.rs`, `…_tests.rs`).
fn is_test_file(package: &Path, file: &Path) -> bool {
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    file.starts_with(package.join("tests")) || stem == "tests" || stem.ends_with("_tests")
}

fn relative(file: &Path) -> String {
    file.strip_prefix(workspace_root())
        .unwrap()
        .display()
        .to_string()
}

#[test]
fn no_source_module_has_more_than_400_lines_outside_its_tests() {
    let mut over = Vec::new();
    for package in package_dirs() {
        let mut files = Vec::new();
        rust_files(&package.join("src"), &mut files);
        for file in files.iter().filter(|f| !is_test_file(&package, f)) {
            let source = std::fs::read_to_string(file).unwrap();
            let (code, _) = code_and_inline_tests(&source);
            let lines = code.iter().filter(|l| !l.trim().is_empty()).count();
            let name = relative(file);
            if lines > MODULE_LINE_LIMIT {
                over.push(format!("{name}: {lines}"));
            }
        }
    }
    assert!(
        over.is_empty(),
        "modules over {MODULE_LINE_LIMIT} non-blank lines outside tests: {over:?}"
    );
}

/// Where a test may sleep: the one bounded poll of a real process in the full-stack suite.
const SLEEPS_ALLOWED: &[(&str, &str)] = &[(
    "crates/server/tests/full_stack/support.rs",
    "poll_until: a bounded poll of a real process (a server, a worker, a mail sink)",
)];

#[test]
fn no_test_sleeps_outside_the_allowed_bounded_polls() {
    let mut sleeping = Vec::new();
    for package in package_dirs() {
        let mut files = Vec::new();
        rust_files(&package.join("src"), &mut files);
        rust_files(&package.join("tests"), &mut files);
        for file in &files {
            let source = std::fs::read_to_string(file).unwrap();
            let tests = if is_test_file(&package, file) {
                source.lines().collect()
            } else {
                code_and_inline_tests(&source).1
            };
            let name = relative(file);
            let allowed = SLEEPS_ALLOWED.iter().any(|(path, _)| *path == name);
            // Spelt in two so that this test is not found sleeping.
            let needle = concat!("sleep", "(");
            if !allowed && tests.iter().any(|line| line.contains(needle)) {
                sleeping.push(name);
            }
        }
    }
    assert!(sleeping.is_empty(), "tests that sleep: {sleeping:?}");
}
