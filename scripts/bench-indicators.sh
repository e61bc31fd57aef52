#!/usr/bin/env bash
# Indicator refresh benchmarks, in a private PostGIS cluster started for the run; each
# prints a markdown table.
#   scripts/bench-indicators.sh            both
#   scripts/bench-indicators.sh regional   full recompute against the incremental refresh,
#                                          on the Westhoek data (about a minute)
#   scripts/bench-indicators.sh national   full recompute against a naive nearest-service
#                                          search, on a generated national territory
#                                          (35,500 communes, 2.5 million services; 15–30 min)
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
case "$which" in regional | national | all) ;; *) echo "usage: $0 [regional|national|all]" >&2; exit 2 ;; esac
scripts/install-deps.sh
cargo build --release --locked --bin observatory
cluster_dir=$(mktemp -d /tmp/observatory-bench-XXXXXX)
chmod 755 "$cluster_dir"
bin=./target/release/observatory
trap '"$bin" db stop --cluster-dir "$cluster_dir/pg" >/dev/null 2>&1 || true; rm -rf "$cluster_dir"' EXIT
"$bin" db start --cluster-dir "$cluster_dir/pg" >/dev/null
export TEST_DATABASE_URL="postgresql:///postgres?host=$cluster_dir/pg&port=5432&user=observatory"
if [ "$which" != national ]; then
  cargo bench --locked -p observatory-tests --bench indicator_refresh 2>/dev/null
fi
if [ "$which" != regional ]; then
  echo
  cargo bench --locked -p observatory-tests --bench national_indicators
fi
