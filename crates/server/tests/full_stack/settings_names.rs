//! The settings an operator can find are the settings quill reads: every name a section
//! reads (taken from the section types themselves, through `Settings::names`) is in the
//! README's settings table and in `.env.example`, and every name listed there is read.

use std::collections::BTreeSet;
use std::path::Path;

fn workspace_file(name: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(name)).unwrap()
}

fn read_by_the_code() -> BTreeSet<String> {
    let names: BTreeSet<String> = quill_server::Settings::names().into_iter().collect();
    assert_eq!(
        names.len(),
        quill_server::Settings::names().len(),
        "two sections read the same name"
    );
    names
}

/// The backticked upper-case names in the first column of the README's settings table.
fn in_the_readme() -> BTreeSet<String> {
    let readme = workspace_file("README.md");
    let table = readme
        .lines()
        .skip_while(|line| !line.starts_with("| name | default | rule |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'));
    table
        .flat_map(|row| {
            let first = row.split('|').nth(1).unwrap_or_default().to_owned();
            first
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The names `.env.example` sets or shows commented out (`NAME=` or `# NAME=`).
fn in_the_example_file() -> BTreeSet<String> {
    workspace_file(".env.example")
        .lines()
        .filter_map(|line| {
            let line = line.trim_start_matches('#').trim();
            let (name, _) = line.split_once('=')?;
            (!name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .then(|| name.to_owned())
        })
        .collect()
}

#[test]
fn every_setting_the_code_reads_is_in_the_readme_table_and_every_name_there_is_read() {
    let code = read_by_the_code();
    let readme = in_the_readme();
    assert!(readme.len() > 50, "the table was not found: {readme:?}");
    assert_eq!(
        code.difference(&readme).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "read by the code, missing from the README's settings table"
    );
    assert_eq!(
        readme.difference(&code).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "in the README's settings table, read by no section"
    );
}

#[test]
fn every_setting_the_code_reads_is_in_the_env_example_and_every_name_there_is_read() {
    let code = read_by_the_code();
    let example = in_the_example_file();
    assert_eq!(
        code.difference(&example).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "read by the code, missing from .env.example"
    );
    assert_eq!(
        example.difference(&code).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "in .env.example, read by no section"
    );
}
