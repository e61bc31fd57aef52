#!/usr/bin/env bash
# Full indicator recompute against the incremental refresh, on the Westhoek data, in a
# private PostGIS cluster started for the run. Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cargo build --release --locked --bin observatory
cluster_dir=$(mktemp -d /tmp/observatory-bench-XXXXXX)
chmod 755 "$cluster_dir"
bin=./target/release/observatory
trap '"$bin" db stop --cluster-dir "$cluster_dir/pg" >/dev/null 2>&1 || true; rm -rf "$cluster_dir"' EXIT
"$bin" db start --cluster-dir "$cluster_dir/pg" >/dev/null
TEST_DATABASE_URL="postgresql:///postgres?host=$cluster_dir/pg&port=5432&user=observatory" \
  cargo bench --locked -p observatory-tests --bench indicator_refresh 2>/dev/null
