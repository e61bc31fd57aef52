#!/usr/bin/env bash
# What reading the layer's data version in each tile query costs PostgreSQL: the tile
# queries as they are (`crates/server/src/sql/tile_*.sql`, which also give `data_version`
# from the snapshot of their features) against the same queries at revision BEFORE, which
# did not, run by pgbench on the same database, interleaved, over the list of tiles of
# `tiles_vs_martin.sh` (every tile from z6 to z10 that holds a commune and PER_ZOOM
# pseudo-random ones of each of z11 to z14).
#
#   benches/tile_query_version.sh
#   RUNS=3 DURATION=15 CLIENTS=4 BEFORE=499fb33 benches/tile_query_version.sh
#
# It builds nothing: OBSERVATORY (default target/release/observatory) loads the Westhoek
# release into a private cluster under /tmp, removed on exit. The services queries take
# NULL for their date, as the map's tiles without a date do. The markdown report goes to
# stdout, progress to stderr.
set -euo pipefail

RUNS="${RUNS:-3}"
DURATION="${DURATION:-15}"
CLIENTS="${CLIENTS:-4}"
PER_ZOOM="${PER_ZOOM:-175}"
# The last revision whose tile queries did not read the data version.
BEFORE="${BEFORE:-499fb33}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OBSERVATORY="${OBSERVATORY:-$ROOT/target/release/observatory}"
if [[ "$OBSERVATORY" != /* ]]; then OBSERVATORY="$PWD/$OBSERVATORY"; fi
source "$ROOT/benches/lib.sh"
for v in RUNS DURATION CLIENTS PER_ZOOM; do
    whole_number "$v" 1
done
cd "$ROOT"

exec 3>&1 1>&2
require_observatory
install_missing psql=postgresql-client pgbench=postgresql-15
git cat-file -e "$BEFORE:crates/server/src/sql/tile_communes.sql" 2>/dev/null || {
    echo "BEFORE=$BEFORE is not a revision of this repository holding the tile queries" >&2
    exit 2
}

start_private_cluster obsversion
sql() { psql -X -q -v ON_ERROR_STOP=1 -tA "$BENCH_URL" "$@"; }

say "loading the Westhoek release (observatory ingest)"
DATABASE_URL="$BENCH_URL" "$OBSERVATORY" ingest --no-progress >"$WORK/ingest.out" 2>"$WORK/ingest.err" || {
    tail -n 20 "$WORK/ingest.err" >&2
    exit 1
}

say "writing the tile list"
psql -X -q -tA "$BENCH_URL" -v per_zoom="$PER_ZOOM" -f "$ROOT/benches/regional_tiles.sql" >/dev/null
tile_count=$(sql -c "SELECT count(*) FROM bench_tile")
say "$tile_count tiles"

# One pgbench script per layer and revision: a tile of the list, then its query, with the
# tile's address as bound parameters (-M prepared), as the server sends it.
script() { # LAYER SQL_TEXT OUT
    {
        echo "\\set n random(1, $tile_count)"
        echo "SELECT z AS tz, x AS tx, y AS ty FROM bench_tile WHERE n = :n \\gset"
        sed -e 's/--.*$//; s/\$1/:tz/g; s/\$2/:tx/g; s/\$3/:ty/g; s/\$4::date/NULL::date/g' <<<"$2" |
            tr '\n' ' ' | sed -e 's/[[:space:]]*$/;/'
        echo
    } >"$3"
}
for layer in communes services borders; do
    script "$layer" "$(git show "$BEFORE:crates/server/src/sql/tile_$layer.sql")" "$WORK/before-$layer.sql"
    script "$layer" "$(cat "crates/server/src/sql/tile_$layer.sql")" "$WORK/after-$layer.sql"
done

# Both sides in one pgbench run, each transaction picking one of the two at random: they
# meet the same machine at the same moments, which a shared, noisy host makes matter more
# than anything measured here. Prints the two average latencies in ms, before then after.
latencies() { # LAYER
    pgbench -n -M prepared -c "$CLIENTS" -j "$CLIENTS" -T "$DURATION" \
        -f "$WORK/before-$1.sql@1" -f "$WORK/after-$1.sql@1" "$BENCH_URL" 2>&1 |
        awk '/^SQL script/ { script++ } script && /latency average/ { printf "%s ", $5 }'
}

declare -A results
for run in $(seq "$RUNS"); do
    for layer in communes services borders; do
        read -r before after <<<"$(latencies "$layer")"
        [[ -n "$before" && -n "$after" ]] || { echo "pgbench gave no latencies for $layer" >&2; exit 1; }
        say "run $run, $layer: $before ms before, $after ms with data_version"
        results[before-$layer]+="$before "
        results[after-$layer]+="$after "
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

exec 1>&3
echo "| layer | before ($BEFORE) ms | with data_version ms | ratio | per run, before | per run, with |"
echo "| --- | ---: | ---: | ---: | --- | --- |"
for layer in communes services borders; do
    b=$(median <<<"${results[before-$layer]}")
    a=$(median <<<"${results[after-$layer]}")
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')
    echo "| $layer | $b | $a | ${ratio}× | ${results[before-$layer]}| ${results[after-$layer]}|"
done
echo
echo "Average latency of one tile (its address read from the list, then its query), $tile_count tiles, $RUNS runs of $DURATION s per layer with both sides interleaved, $CLIENTS clients, pgbench -M prepared."
