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

# Login timing and latency-under-load benchmarks (release build, real Argon2 parameters).
bench:
    cargo bench -p quill-server --bench auth_under_load

# Apply pending migrations without starting the server.
migrate:
    cargo run --bin quill-migration -- up
