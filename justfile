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

# The release server and the benchmark harness that drives it from a separate process.
bench-build:
    cargo build --release --bin quill --bin quill-bench

# Throughput/latency on a fresh database: table + target/bench/report.json.
bench: bench-build
    target/release/quill-bench

# Login timing (unknown email vs wrong password), /me latency during a login flood, and 200
# simultaneous logins: table + target/bench/auth_under_load.json.
bench-auth: bench-build
    target/release/quill-bench auth-under-load

# Another client's login while ten addresses flood at quill's default limits:
# target/bench/prefix_flood.json.
bench-prefix-flood: bench-build
    target/release/quill-bench prefix-flood

# /api/users/me req/s with metrics on and off, side by side (cost under 5%):
# target/bench/metrics_cost.json.
bench-metrics-cost: bench-build
    target/release/quill-bench metrics-cost

# Times forgot-password for a known and an unknown email, nine each; target/bench/reset_timing.json.
bench-reset-timing: bench-build
    target/release/quill-bench reset-timing

# Floods picture uploads (pictures and decompression bombs); target/bench/picture_flood.json.
bench-picture-flood: bench-build
    target/release/quill-bench picture-flood

# The post list against /healthz and the home page, and its 304; target/bench/read_path.json.
bench-read-path: bench-build
    target/release/quill-bench read-path

# /me, the post list and logins on PostgreSQL against SQLite, two servers on one database,
# and a pool-size sweep; target/bench/postgres.json. Uses DATABASE_URL or .ci/postgres.sh.
bench-postgres: bench-build
    target/release/quill-bench postgres

# Login and registration with 100,000 accounts against one; target/bench/scale.json.
bench-scale: bench-build
    target/release/quill-bench scale

# /me with EdDSA tokens against HS256, both servers at once; target/bench/token_signing.json.
bench-token-signing: bench-build
    target/release/quill-bench token-signing

# One address holding idle connections as fast as it can while another polls /healthz;
# target/bench/connection_flood.json.
bench-connection-flood: bench-build
    target/release/quill-bench connection-flood

# Apply pending migrations without starting the server.
migrate:
    cargo run --bin quill-migration -- up
