#!/usr/bin/env bash
# The whole test suite against real parts: installs what is missing, starts a private
# PostGIS cluster for the run (each test makes its own database in it), runs the Rust
# unit and integration tests, then the browser tests in Chromium. Stops the cluster after.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

cargo build --locked --workspace --all-targets

# The cluster lives under /tmp: the postgres system user (the server's user when tests
# run as root) must be able to enter its folder.
cluster_dir=$(mktemp -d /tmp/observatory-test-XXXXXX)
chmod 755 "$cluster_dir"
bin=./target/debug/observatory
stop_cluster() { "$bin" db stop --cluster-dir "$cluster_dir/pg" >/dev/null 2>&1 || true; rm -rf "$cluster_dir"; }
trap stop_cluster EXIT
# The browser tests draw the map's labels with web/glyphs: rendered here, skipped when
# they are up to date.
"$bin" glyphs --no-progress
"$bin" db start --cluster-dir "$cluster_dir/pg" >/dev/null
TEST_DATABASE_URL="postgresql:///postgres?host=$cluster_dir/pg&port=5432&user=observatory"
export TEST_DATABASE_URL
export OBSERVATORY_BIN="$PWD/target/debug/observatory"
unset DATABASE_URL

cargo test --locked --workspace
(cd tests/browser && npm test)
