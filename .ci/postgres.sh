#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite.
#
#   .ci/postgres.sh start   installs PostgreSQL from Debian's packages if it is missing, creates
#                           a cluster in a temporary directory, starts it on 127.0.0.1 only, and
#                           prints its admin URL (the only thing written to stdout)
#   .ci/postgres.sh url     prints the URL of the running server
#   .ci/postgres.sh stop    stops the server and deletes the cluster
#
# Each command is idempotent: `start` on a running server only prints the URL, `stop` with
# nothing running does nothing. Tests create a database of their own per test from the admin
# URL, so one cluster serves the whole run.
#
# Settings: QUILL_PG_DIR (default: $TMPDIR/quill-ci-postgres), QUILL_PG_PORT (default 54329,
# off the standard port so it never collides with a PostgreSQL the machine already runs).
set -euo pipefail

dir="${QUILL_PG_DIR:-${TMPDIR:-/tmp}/quill-ci-postgres}"
port="${QUILL_PG_PORT:-54329}"
data="$dir/data"

log() { echo "postgres.sh: $*" >&2; }

find_bin() {
    # Debian installs each major version side by side; take the newest.
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -z "$found" ]] && command -v pg_ctl >/dev/null; then
        found="$(dirname "$(command -v pg_ctl)")"
    fi
    echo "$found"
}

install_postgres() {
    log "installing PostgreSQL from the Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends postgresql >&2
}

# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user
# the Debian package creates; anyone else runs it as themself.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        (cd "$dir" && runuser -u postgres -- "$@")
    else
        (cd "$dir" && "$@")
    fi
}

running() {
    [[ -d "$data" ]] && as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1
}

url() {
    echo "postgres://postgres@127.0.0.1:$port/postgres"
}

start() {
    bin="$(find_bin)"
    if [[ -z "$bin" ]]; then
        install_postgres
        bin="$(find_bin)"
    fi
    if running; then
        url
        return
    fi
    if [[ ! -f "$data/PG_VERSION" ]]; then
        log "creating a cluster in $data"
        rm -rf "$dir"
        mkdir -p "$dir"
        if [[ "$(id -u)" == 0 ]]; then
            chown -R postgres:postgres "$dir"
        fi
        chmod 700 "$dir"
        # Trust on loopback: the cluster is throwaway, and a password would only add a
        # SCRAM key derivation (slow in debug builds) to every one of the suite's connections.
        as_owner "$bin/initdb" -D "$data" --username=postgres --auth-host=trust \
            --auth-local=peer --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
        # Durability is worthless for a cluster that is deleted after the run; speed is not.
        cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    fi
    log "starting PostgreSQL ($("$bin/postgres" --version)) on 127.0.0.1:$port"
    if ! as_owner "$bin/pg_ctl" start -D "$data" -l "$dir/server.log" -w -t 60 >&2; then
        log "server failed to start; its log follows"
        cat "$dir/server.log" >&2 || true
        exit 1
    fi
    url
}

stop() {
    bin="$(find_bin)"
    if [[ -n "$bin" ]] && running; then
        log "stopping PostgreSQL on 127.0.0.1:$port"
        as_owner "$bin/pg_ctl" stop -D "$data" -m fast -w -t 60 >&2
    fi
    rm -rf "$dir"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
url)
    bin="$(find_bin)"
    if [[ -z "$bin" ]] || ! running; then
        log "not running"
        exit 1
    fi
    url
    ;;
*)
    echo "usage: $0 start|url|stop" >&2
    exit 2
    ;;
esac
