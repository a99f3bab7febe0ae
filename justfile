# Each recipe is exactly a command CI or a person runs. `just` is optional: the README's
# commands work without it.

# Run the server on the embedded default (SQLite file blog.db, auto-migrated).
run:
    cargo run --release --bin quill

# Every test (what CI runs).
test:
    cargo test --workspace

# Formatting and lints, as CI checks them.
check:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --locked -- -D warnings

# What CI runs, start to finish.
ci:
    bash .ci/run

# Throughput/latency harness: release server on a fresh database, load from a separate
# process, table + target/bench/report.json.
bench:
    cargo build --release --bin quill --bin quill-bench
    target/release/quill-bench

# Login timing (unknown email vs wrong password) and /me latency during a login flood.
bench-auth:
    cargo bench -p quill-server --bench auth_under_load

# Apply pending migrations without starting the server.
migrate:
    cargo run --bin quill-migration -- up
