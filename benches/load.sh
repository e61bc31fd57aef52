#!/usr/bin/env bash
# Mixed load on `observatory serve`: 60 s at 16 then 64 connections of tiles of every
# layer across z6–z14, indicators, profiles, search, OGC pages, exports and citizens'
# ideas (1 % of requests, all from one address: past the limit they must be 429s), with
# p50/p99 per route, statuses, and the server's resident memory. Fails if any request
# meets a transport error or a 5xx.
#
#   benches/load.sh
#   SECONDS_EACH=60 LEVELS="16 64" benches/load.sh
#   FAULT=restart benches/load.sh   # then also: the database stopped at a third of a
#                                   # run at 16 connections and started 5 s later
#
# After each run, the ideas the server answered 201 to are counted in the database.
#
# It builds nothing: build first with `cargo build --release -p observatory` and
# `cargo build --release -p observatory-tests --benches` (OBSERVATORY=/path picks another
# binary). Starts a private PostGIS cluster under /tmp, loads the Westhoek release, serves
# it on a loopback port and runs the load generator (tests/benches/load.rs) against it;
# stops everything and removes the folder on exit. Report on stdout, progress on stderr.
set -euo pipefail

SECONDS_EACH="${SECONDS_EACH:-60}"
LEVELS="${LEVELS-16 64}" # LEVELS="" with FAULT=restart runs the fault alone
PORT="${PORT:-18490}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OBSERVATORY="${OBSERVATORY:-$ROOT/target/release/observatory}"
if [[ "$OBSERVATORY" != /* ]]; then OBSERVATORY="$PWD/$OBSERVATORY"; fi
# shellcheck source=benches/lib.sh
source "$ROOT/benches/lib.sh"
whole_number SECONDS_EACH 1 3600
require_observatory
LOAD="$(find "$ROOT/target/release/deps" -maxdepth 1 -type f -executable -name 'load-*' -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -1 | cut -d' ' -f2)"
if [[ -z "$LOAD" ]]; then
    echo "No load generator built: cargo build --release -p observatory-tests --benches" >&2
    exit 1
fi
install_missing psql=postgresql-client curl=curl

server_pid=""
before_cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
}
start_private_cluster observatory-load
say "loading the Westhoek release"
(cd "$ROOT" && DATABASE_URL="$BENCH_URL" RUST_LOG=warn "$OBSERVATORY" ingest --no-progress >"$WORK/ingest.log" 2>&1)
DATABASE_URL="$BENCH_URL" RUST_LOG=warn "$OBSERVATORY" serve --listen "127.0.0.1:$PORT" \
    --web-dir "$ROOT/web" >"$WORK/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" && break
    sleep 0.1
done
echo "## Mixed load ($(date -u +%Y-%m-%d), $(nproc) cores)"
ideas() { psql -X -At "$BENCH_URL" -c "SELECT count(*) FROM idea"; }
for level in $LEVELS; do
    say "load: $level connections for $SECONDS_EACH s"
    OBSERVATORY_URL="http://127.0.0.1:$PORT" CONNECTIONS="$level" LOAD_SECONDS="$SECONDS_EACH" \
        SERVER_PID="$server_pid" "$LOAD"
    echo "ideas in the database after this run: $(ideas)"
done
if [[ "${FAULT:-}" == restart ]]; then
    say "load with the database stopped and started under it"
    echo
    echo "### The database stopped at $((SECONDS_EACH / 3)) s and started 5 s later, 16 connections"
    (
        sleep $((SECONDS_EACH / 3))
        env -u DATABASE_URL "$OBSERVATORY" db stop --cluster-dir "$PGDIR" >/dev/null 2>&1
        say "database stopped at $((SECONDS_EACH / 3)) s"
        sleep 5
        env -u DATABASE_URL "$OBSERVATORY" db start --cluster-dir "$PGDIR" >/dev/null 2>&1
        say "database started again at $((SECONDS_EACH / 3 + 5)) s (and the time it takes to start)"
    ) &
    fault_pid=$!
    OBSERVATORY_URL="http://127.0.0.1:$PORT" CONNECTIONS=16 LOAD_SECONDS="$SECONDS_EACH" \
        SERVER_PID="$server_pid" ALLOW_UNAVAILABLE=1 "$LOAD"
    wait "$fault_pid"
    echo "ideas in the database after this run: $(ideas)"
fi
