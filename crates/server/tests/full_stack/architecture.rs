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
