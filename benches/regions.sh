#!/usr/bin/env bash
# Two regions in one database, measured in one run on one private cluster:
#   * the Westhoek ingest alone, then the generated Meuse valley loaded beside it and
#     loaded again (wall time and the receipt's "indicators recomputed in N s");
#   * with BASELINE=/path/to/another/observatory, the Westhoek ingest of that binary too,
#     alternating with this one's, each into a fresh database: what regions cost a load;
#   * the read routes with and without ?region= (median of REQUESTS requests each, curl's
#     time_total), on the server of the two-region database.
#
#   RUNS=3 REQUESTS=50 [BASELINE=...] benches/regions.sh
#
# Needs a built binary (OBSERVATORY, default target/release/observatory), python3, curl
# and psql. Prints Markdown tables for BENCHMARKS.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OBSERVATORY="${OBSERVATORY:-$ROOT/target/release/observatory}"
RUNS="${RUNS:-3}"
REQUESTS="${REQUESTS:-50}"
BASELINE="${BASELINE:-}"
# shellcheck source=benches/lib.sh
source "$ROOT/benches/lib.sh"
whole_number RUNS 1
whole_number REQUESTS 1
require_observatory
if [[ -n "$BASELINE" && ! -x "$BASELINE" ]]; then
    echo "BASELINE=$BASELINE is not an executable" >&2
    exit 2
fi
install_missing curl=curl psql=postgresql-client-15 python3=python3

server_pid=""
before_cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
}
start_private_cluster observatory-regions
cd "$ROOT" # `observatory ingest` finds data/manifests/westhoek.toml from here

say "generating the second region"
python3 scripts/generate_region.py "$WORK/ardennes" 2>"$WORK/generate.log"

# A binary from before regions reads the Westhoek manifest without its [region] (the
# block up to the first empty line), its relative paths made absolute.
baseline_manifest=""
if [[ -n "$BASELINE" ]]; then
    baseline_manifest="$WORK/westhoek-before-regions.toml"
    python3 - "$ROOT/data/manifests/westhoek.toml" "$baseline_manifest" <<'PY'
import os, re, sys
source, target = sys.argv[1:]
text = open(source, encoding="utf-8").read()
text = re.sub(r"^\[region\]\n(?:.+\n)*\n", "", text, flags=re.M)
base = os.path.dirname(os.path.abspath(source))
text = re.sub(r'^(\w+) = "(\.\./[^"]*)"', lambda m: f'{m[1]} = "{os.path.normpath(os.path.join(base, m[2]))}"', text, flags=re.M)
open(target, "w", encoding="utf-8").write(text)
PY
fi

# ingest BIN DATABASE [MANIFEST]: prints "wall_s indicators_s".
ingest() {
    local bin=$1 database=$2 manifest=${3:-} url start end indicators
    url="postgresql:///$database?host=$PGDIR&port=5432&user=observatory"
    start=$(date +%s.%N)
    DATABASE_URL="$url" "$bin" ingest ${manifest:+"$manifest"} --no-progress >"$WORK/ingest.log" 2>&1 || {
        cat "$WORK/ingest.log" >&2
        exit 1
    }
    end=$(date +%s.%N)
    indicators=$(sed -n 's/^indicators recomputed in \([0-9.]*\) s$/\1/p' "$WORK/ingest.log")
    awk -v s="$start" -v e="$end" -v i="${indicators:-?}" 'BEGIN { printf "%.2f %s\n", e - s, i }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -a this_wall this_ind base_wall base_ind
for run in $(seq 1 "$RUNS"); do
    for who in this base; do
        [[ $who == base && -z "$BASELINE" ]] && continue
        bin=$OBSERVATORY manifest=""
        [[ $who == base ]] && bin=$BASELINE manifest=$baseline_manifest
        db="w_${who}_$run"
        psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" -c "CREATE DATABASE $db"
        read -r wall ind < <(ingest "$bin" "$db" "$manifest")
        say "run $run, $who: Westhoek ingest ${wall} s, indicators ${ind} s"
        if [[ $who == this ]]; then this_wall+=("$wall"); this_ind+=("$ind"); else base_wall+=("$wall"); base_ind+=("$ind"); fi
    done
done

say "loading the Meuse valley beside the Westhoek, twice"
read -r a1_wall a1_ind < <(ingest "$OBSERVATORY" w_this_1 "$WORK/ardennes/ardennes.toml")
read -r a2_wall a2_ind < <(ingest "$OBSERVATORY" w_this_1 "$WORK/ardennes/ardennes.toml")

echo
echo "| load | runs | median wall s | median indicators s |"
echo "| --- | ---: | ---: | ---: |"
printf '| Westhoek alone, this binary | %s | %s | %s |\n' "$RUNS" \
    "$(printf '%s\n' "${this_wall[@]}" | median)" "$(printf '%s\n' "${this_ind[@]}" | median)"
if [[ -n "$BASELINE" ]]; then
    printf '| Westhoek alone, BASELINE | %s | %s | %s |\n' "$RUNS" \
        "$(printf '%s\n' "${base_wall[@]}" | median)" "$(printf '%s\n' "${base_ind[@]}" | median)"
fi
printf '| Meuse valley beside it, first load | 1 | %s | %s |\n' "$a1_wall" "$a1_ind"
printf '| Meuse valley beside it, loaded again | 1 | %s | %s |\n' "$a2_wall" "$a2_ind"

say "serving the two-region database"
port=$((20000 + RANDOM % 20000))
DATABASE_URL="postgresql:///w_this_1?host=$PGDIR&port=5432&user=observatory" \
    "$OBSERVATORY" serve --listen "127.0.0.1:$port" >"$WORK/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.2
done

# p50 PATH: the median of REQUESTS answers' time_total, in ms.
p50() {
    local path=$1
    for _ in $(seq 1 "$REQUESTS"); do
        curl -fs -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$path"
    done | awk '{ print $1 * 1000 }' | median
}

echo
echo "| route | every region, median ms | ?region=westhoek | ?region=ardennes |"
echo "| --- | ---: | ---: | ---: |"
for path in "/api/indicators/nearest_service_m?category=hospital" \
    "/api/communes?q=sai" "/api/communes?q=vi" \
    "/exports/communes.csv" "/exports/services.csv"; do
    sep='?'
    [[ $path == *\?* ]] && sep='&'
    printf '| `%s` | %s | %s | %s |\n' "$path" "$(p50 "$path")" \
        "$(p50 "$path${sep}region=westhoek")" "$(p50 "$path${sep}region=ardennes")"
done
