//! The service writes no auth logic of its own: its source and manifest never name a
//! password-hashing or token library, nor the ORM behind quill's tables. Those stay quill's.

use std::path::{Path, PathBuf};

/// Crate, module and type names that would mean the service is hashing, signing or
/// querying accounts itself, matched case-sensitively (quill's `ARGON2_...` setting names
/// are fine: they configure quill's hasher). Spelled in pieces so that this file does not
/// match itself.
fn forbidden() -> Vec<String> {
    [
        ("argon", "2"),
        ("json", "webtoken"),
        ("sea_", "orm"),
        ("sea-", "orm"),
        ("Active", "Model"),
        ("Entity", "Trait"),
        ("entit", "ies::"),
    ]
    .iter()
    .map(|(a, b)| format!("{a}{b}"))
    .collect()
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn the_service_source_never_names_a_hashing_token_or_orm_library() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("Cargo.toml")];
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("tests"), &mut files);
    let this_file = root.join("tests").join("no_auth_logic.rs");
    assert!(files.len() > 3, "found too few files to check: {files:?}");
    let mut offences = Vec::new();
    for file in files.iter().filter(|f| **f != this_file) {
        let text = std::fs::read_to_string(file).unwrap();
        for word in forbidden() {
            if text.contains(&word) {
                offences.push(format!("{} mentions {word}", file.display()));
            }
        }
    }
    assert!(offences.is_empty(), "{offences:#?}");
}

#[test]
fn the_check_would_catch_a_service_that_queried_accounts_itself() {
    let offending = format!(
        "use {}::{{{}, ActiveModelTrait}};",
        "sea_orm", "EntityTrait"
    );
    assert!(
        forbidden()
            .iter()
            .any(|word| offending.contains(word.as_str()))
    );
}
