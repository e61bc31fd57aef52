#!/usr/bin/env bash
# Commune search benchmark (GET /api/communes?q=) at national scale, in a private PostGIS
# cluster started for the run: the Westhoek release plus 35,000 generated communes
# (tests/benches/sql/search_generate.sql), then 1,000 searches of three letters or more
# and 200 of one or two (tests/benches/sql/search_queries.sql), each timed by psql. The
# search is the server's own statement (crates/server/src/sql/api_commune_search.sql),
# prepared once per session as sqlx prepares it, so the plan cache behaves as in the
# server. Each set runs with the trigram index, then with index and bitmap scans off (a
# sequential scan), twice, alternated, each session warmed up by one untimed pass.
# Prints a markdown table of p50 and p99 in ms and the plans used.
#   scripts/bench-search.sh                     builds the release binary first
#   OBSERVATORY_BIN=target/debug/observatory scripts/bench-search.sh
#                                               uses that binary (it only starts the
#                                               cluster and loads the data; psql times)
#   SEARCH_SQL=FILE scripts/bench-search.sh      times FILE instead of the server's
#                                               statement (an earlier one, a variant)
#   COMPARE_SQL=FILE scripts/bench-search.sh     times FILE and the server's statement
#                                               side by side on the same data, as the
#                                               planner chooses (no sequential-scan rows),
#                                               alternated: FILE, server, FILE, server
#   NATIONAL_DIR=DIR scripts/bench-search.sh     the communes of DIR/national.toml (written
#                                               by benches/generate_national.py) instead of
#                                               the Westhoek release and the SQL-generated ones
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${OBSERVATORY_BIN:-}" ]; then
  scripts/install-deps.sh
  cargo build --release --locked --bin observatory
fi
bin=${OBSERVATORY_BIN:-./target/release/observatory}
cluster_dir=$(mktemp -d /tmp/observatory-bench-XXXXXX)
chmod 755 "$cluster_dir"
trap '"$bin" db stop --cluster-dir "$cluster_dir/pg" >/dev/null 2>&1 || true; rm -rf "$cluster_dir"' EXIT
"$bin" db start --cluster-dir "$cluster_dir/pg" >/dev/null 2>&1
url="postgresql:///observatory?host=$cluster_dir/pg&port=5432&user=observatory"
sql=tests/benches/sql
started=$(date +%s)
if [ -n "${NATIONAL_DIR:-}" ]; then
  DATABASE_URL="$url" "$bin" ingest "$NATIONAL_DIR/national.toml" --no-progress >/dev/null
else
  DATABASE_URL="$url" "$bin" ingest --no-progress >/dev/null 2>&1
  psql -X -q -v ON_ERROR_STOP=1 "$url" -f "$sql/search_generate.sql"
fi
psql -X -q -v ON_ERROR_STOP=1 "$url" -f "$sql/search_queries.sql"
# as autovacuum leaves a table some time after it is written: index-only scans read the
# visibility map
psql -X -q -v ON_ERROR_STOP=1 "$url" -c "VACUUM ANALYZE"
communes=$(psql -X -At "$url" -c "SELECT count(*) FROM commune")
echo "generated: $communes communes in $(($(date +%s) - started)) s" >&2

# One session: the settings, the statement prepared, one untimed pass over the queries of
# KIND, then the timed pass; prints one latency in ms per query. The plan the session's
# cache ends with, and how often it planned each way, go to $cluster_dir/plan-LABEL.
run() {
  local label=$1 settings=$2 kind=$3 statement=${4:-${SEARCH_SQL:-crates/server/src/sql/api_commune_search.sql}} executes
  executes=$(psql -X -At -v ON_ERROR_STOP=1 "$url" \
    -c "SELECT format('EXECUTE search(%L, 10);', q) FROM search_bench_query WHERE kind = '$kind' ORDER BY k")
  {
    echo "$settings"
    echo "PREPARE search(text, bigint) AS"
    cat "$statement"
    echo ";"
    echo "$executes"
    echo '\timing on'
    echo "$executes"
    echo '\timing off'
    echo "\\o $cluster_dir/plan-$label"
    echo "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'search';"
    echo "EXPLAIN (COSTS OFF) EXECUTE search('dunk', 10);"
  } | psql -X -q -v ON_ERROR_STOP=1 "$url" -o /dev/null | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}

# p50 and p99 (nearest rank) of the latencies on stdin.
percentiles() {
  sort -g | awk '{ v[NR] = $1 } END {
    i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++
    i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++
    printf "%d %.2f %.2f\n", NR, v[i50], v[i99] }'
}

# How the plan read the commune table: the trigram index or a sequential scan.
access() {
  if grep -q commune_search_prefix_idx "$cluster_dir/plan-$1"; then echo "ranked prefixes"
  elif grep -q commune_search_key_idx "$cluster_dir/plan-$1"; then echo "trigram index"
  elif grep -q 'Seq Scan on commune' "$cluster_dir/plan-$1"; then echo "sequential scan"
  else echo "other"; fi
}
plans() {
  # generic | custom from pg_prepared_statements
  sed -n 's/^ *\([0-9][0-9]*\) *| *\([0-9][0-9]*\) *$/\1 generic, \2 custom/p' "$cluster_dir/plan-$1" | head -1
}

index_settings=""
if [ -n "${COMPARE_SQL:-}" ]; then
  echo "| queries | round | statement | read by | plans made | n | p50 ms | p99 ms |"
  echo "| --- | ---: | --- | --- | --- | ---: | ---: | ---: |"
  for kind in main short; do
    for round in 1 2; do
      for way in compared server; do
        label="$kind-$way-$round"
        file=crates/server/src/sql/api_commune_search.sql
        [ "$way" = compared ] && file=$COMPARE_SQL
        read -r n p50 p99 < <(run "$label" "" "$kind" "$file" | percentiles)
        echo "| $kind | $round | $way | $(access "$label") | $(plans "$label") | $n | $p50 | $p99 |"
      done
    done
  done
  exit 0
fi
scan_settings="SET enable_indexscan = off; SET enable_bitmapscan = off;"
echo "| queries | round | read by | plans made | n | p50 ms | p99 ms |"
echo "| --- | ---: | --- | --- | ---: | ---: | ---: |"
declare -A result
for kind in main short; do
  for round in 1 2; do
    for way in index scan; do
      label="$kind-$way-$round"
      settings=$index_settings
      [ "$way" = scan ] && settings=$scan_settings
      read -r n p50 p99 < <(run "$label" "$settings" "$kind" | percentiles)
      result[$label]="$p50 $p99"
      echo "| $kind | $round | $(access "$label") | $(plans "$label") | $n | $p50 | $p99 |"
    done
  done
done
echo
for kind in main short; do
  for round in 1 2; do
    read -r i50 i99 <<<"${result[$kind-index-$round]}"
    read -r s50 s99 <<<"${result[$kind-scan-$round]}"
    awk -v k="$kind" -v r="$round" -v i50="$i50" -v i99="$i99" -v s50="$s50" -v s99="$s99" \
      'BEGIN { printf "%s, round %s: sequential / index p50 %.1f×, p99 %.1f×\n", k, r, s50 / i50, s99 / i99 }'
  done
done
