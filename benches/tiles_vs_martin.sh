#!/usr/bin/env bash
# Tile server benchmark: `observatory serve` against martin, serving the same communes and
# services tiles from the same PostGIS, loaded with wrk cycling through the same list of
# tiles from z6 to z14 over the region, caches off and on.
#
#   benches/tiles_vs_martin.sh
#   RUNS=3 DURATION=20 CONNECTIONS=16 MARTIN=/path/to/martin benches/tiles_vs_martin.sh
#   NATIONAL=/tmp/national MARTIN=/path/to/martin benches/tiles_vs_martin.sh
#
# NATIONAL=DIR compares the two at national scale instead: the generated release of France
# and Belgium in DIR (written there first by benches/generate_national.py when DIR holds
# no national.toml; 35,004 communes, 2.5 million services) is loaded instead of the
# Westhoek release, and the list is benches/national_tiles.sql's: z5 to z14 over both
# countries, PER_ZOOM draws per zoom from z8 (default 400) weighted toward where people
# live, with rural and empty tiles. Services are asked for from SERVICES_FROM (default 9,
# the atlas's first zoom of the services layer; 6 for the regional list, every address).
#
# It builds nothing: build first with `cargo build --release -p observatory`
# (OBSERVATORY=/path/to/observatory picks another binary). martin is not part of the
# project: install it with
#   cargo install martin --locked --no-default-features --features postgres --root DIR
# and pass MARTIN=DIR/bin/martin (default: `martin` on PATH). wrk is installed with apt-get
# when missing.
#
# What it does: starts a private PostGIS cluster in a temporary folder under /tmp, loads
# the Westhoek release (`observatory ingest`), gives martin its sources in a schema
# `martin` (tables in EPSG:3857 with spatial indexes and the same properties), writes the
# list of
# tiles (every tile from z6 to z10 that holds a commune, and an equal pseudo-random share
# of those of z11 to z14, each for both layers), then runs the servers one at a time on
# loopback ports with wrk (a Lua script cycling through the list, each thread from its own
# starting point): caches off (observatory --tile-cache-mb 0, martin --cache-size 0) and
# on (both caches of CACHE_MB, big enough for the whole list, every tile of it asked for
# once, then a timed warm-up pass before the measured one). The markdown
# report goes to stdout, progress to stderr. Servers and cluster are stopped and the
# folder removed on exit.
set -euo pipefail

RUNS="${RUNS:-3}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-8}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
# wrk counts an answer slower than this as an error (its default, 2 s, is shorter than a
# national z9 services tile of 300,000 points takes either server under load).
TIMEOUT="${TIMEOUT:-60}"
NATIONAL="${NATIONAL:-}"
if [[ -n "$NATIONAL" ]]; then
    PER_ZOOM="${PER_ZOOM:-400}"
    SERVICES_FROM="${SERVICES_FROM:-9}"
    # 307 MB of tiles, which the observatory weighs at twice their bytes (room for gzip)
    CACHE_MB="${CACHE_MB:-1024}"
else
    PER_ZOOM="${PER_ZOOM:-175}"
    SERVICES_FROM="${SERVICES_FROM:-6}"
fi
MODES="${MODES:-off on}"
# The caches' size with caches on, in MiB, the same for both: enough for every tile of
# the list (1024 for the national list, set above).
CACHE_MB="${CACHE_MB:-512}"
OBS_PORT="${OBS_PORT:-18480}"
MARTIN_PORT="${MARTIN_PORT:-18481}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OBSERVATORY="${OBSERVATORY:-$ROOT/target/release/observatory}"
if [[ "$OBSERVATORY" != /* ]]; then OBSERVATORY="$PWD/$OBSERVATORY"; fi
MARTIN="${MARTIN:-$(command -v martin || true)}"
source "$ROOT/benches/lib.sh"
for v in RUNS DURATION WARMUP CONNECTIONS THREADS TIMEOUT CACHE_MB PER_ZOOM SERVICES_FROM OBS_PORT MARTIN_PORT; do
    whole_number "$v"
done
if [[ -n "$NATIONAL" && "$NATIONAL" != /* ]]; then NATIONAL="$PWD/$NATIONAL"; fi
cd "$ROOT"

exec 3>&1 1>&2
require_observatory
if [[ -z "$MARTIN" || ! -x "$MARTIN" ]]; then
    echo "No martin binary (MARTIN='$MARTIN'). Install martin 1.14 with" >&2
    echo "  cargo install martin --locked --no-default-features --features postgres --root DIR" >&2
    echo "and run again with MARTIN=DIR/bin/martin." >&2
    exit 1
fi
install_missing wrk=wrk psql=postgresql-client curl=curl /usr/bin/time=time

server_pid=""

stop_server() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
before_cleanup() { stop_server; }
start_private_cluster obstiles
sql() { psql -X -q -v ON_ERROR_STOP=1 -tA "$BENCH_URL" "$@"; }

if [[ -n "$NATIONAL" ]]; then
    if [[ ! -f "$NATIONAL/national.toml" ]]; then
        say "writing the national release into $NATIONAL (benches/generate_national.py)"
        python3 "$ROOT/benches/generate_national.py" "$NATIONAL"
    fi
    say "loading the national release (observatory ingest $NATIONAL/national.toml)"
    release=("$NATIONAL/national.toml")
else
    say "loading the Westhoek release (observatory ingest)"
    release=()
fi
DATABASE_URL="$BENCH_URL" /usr/bin/time -v -o "$WORK/ingest.time" "$OBSERVATORY" ingest "${release[@]}" --no-progress \
    >"$WORK/ingest.out" 2>"$WORK/ingest.err" || {
    tail -n 20 "$WORK/ingest.err" >&2
    exit 1
}
ingest_wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $NF }' "$WORK/ingest.time")
ingest_rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$WORK/ingest.time")
say "$(tail -n 1 "$WORK/ingest.out"); wall $ingest_wall, peak resident memory $ingest_rss MiB"

# --- martin's sources ----------------------------------------------------------------------
# martin publishes tables of its own schema, in EPSG:3857 with GiST indexes, holding the
# very properties the observatory's tiles carry, computed once (the sources of each
# service, the main indicator values of each commune), and draws them as it draws any
# table: full outlines, simplified only by MVT's grid.
sql <<'EOSQL' >/dev/null
CREATE SCHEMA martin;
CREATE TABLE martin.communes AS
SELECT c.geom_3857 AS geom, c.country || '-' || c.code AS id, c.code, c.country::text AS country,
       c.name, c.name_nl, c.name_fr, c.population, c.population_year::integer AS population_year,
       round(c.area_km2::numeric, 3)::float8 AS area_km2,
       CASE WHEN c.population IS NOT NULL AND c.area_km2 > 0
        THEN round((c.population / c.area_km2)::numeric, 1)::float8 END AS density,
       ind.nearest_pharmacy_m, ind.nearest_hospital_m, ind.nearest_rail_station_m,
       ind.nearest_post_office_m, ind.nearest_secondary_school_m, ind.population_change_pct
FROM commune c
LEFT JOIN commune_map_values AS ind ON ind.code = c.code AND ind.country = c.country;
CREATE INDEX ON martin.communes USING gist (geom);
CREATE TABLE martin.services AS
SELECT s.geom_3857 AS geom, s.id, s.category, sc.group_id AS "group", sc.label_nl, sc.label_fr, sc.label_en,
       s.name, s.country::text AS country,
       (SELECT string_agg(DISTINCT pr.source_id, ',' ORDER BY pr.source_id)
    FROM service_provenance pr WHERE pr.service_id = s.id) AS sources,
       to_char(s.first_seen, 'YYYY-MM-DD') AS first_seen, to_char(s.last_seen, 'YYYY-MM-DD') AS last_seen,
       s.closure_candidate
FROM service s JOIN service_category sc ON sc.id = s.category;
CREATE INDEX ON martin.services USING gist (geom);
ANALYZE martin.communes;
ANALYZE martin.services;
EOSQL
cat >"$WORK/martin.yaml" <<EOF
listen_addresses: "127.0.0.1:$MARTIN_PORT"
postgres:
  connection_string: "$BENCH_URL"
  auto_publish:
    tables:
      from_schemas: martin
    functions: false
EOF

# --- the list of tiles ----------------------------------------------------------------------
say "writing the tile list"
if [[ -n "$NATIONAL" ]]; then
    psql -X -q -tA "$BENCH_URL" -v per_zoom="$PER_ZOOM" -f "$ROOT/benches/national_tiles.sql" >"$WORK/tiles.txt"
else
    psql -X -q -tA "$BENCH_URL" -v per_zoom="$PER_ZOOM" -f "$ROOT/benches/regional_tiles.sql" >"$WORK/tiles.txt"
fi
tile_count=$(wc -l <"$WORK/tiles.txt")
per_zoom=$(awk -F/ '{ n[$1]++ } END { for (z = 5; z <= 14; z++) if (n[z]) printf "z%d %d, ", z, n[z] }' "$WORK/tiles.txt")
versions=$(sql -c "SELECT communes || ' ' || services FROM tile_layer_version")
read -r v_communes v_services <<<"$versions"
# Every address in the communes layer; in the services layer from SERVICES_FROM on.
awk -F/ -v vc="$v_communes" -v vs="$v_services" -v from="$SERVICES_FROM" \
    '{ print "/tiles/communes/" $0 ".mvt?v=" vc; if ($1 >= from) print "/tiles/services/" $0 ".mvt?v=" vs }' \
    "$WORK/tiles.txt" >"$WORK/obs-paths.txt"
awk -F/ -v from="$SERVICES_FROM" '{ print "/communes/" $0; if ($1 >= from) print "/services/" $0 }' \
    "$WORK/tiles.txt" >"$WORK/martin-paths.txt"
url_count=$(wc -l <"$WORK/obs-paths.txt")
say "$tile_count tile addresses ($per_zoom), $url_count URLs (services from z$SERVICES_FROM)"

cat >"$WORK/cycle.lua" <<'EOF'
-- Cycles through the paths of the file named by TILE_LIST, each thread from its own start.
local paths = {}
for line in io.lines(os.getenv("TILE_LIST")) do paths[#paths + 1] = line end
local counter = 0
function setup(thread)
    thread:set("start", counter * math.floor(#paths / 4))
    counter = counter + 1
end
local i = 0
function init(args)
    i = tonumber(start) or 0
end
function request()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.status + summary.errors.timeout
    io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), errors))
end
EOF

# --- servers -------------------------------------------------------------------------------
wait_for() {
    local url=$1
    for _ in $(seq 1 100); do
        if curl -fs -o /dev/null "$url"; then return 0; fi
        sleep 0.2
    done
    echo "server did not answer at $url" >&2
    return 1
}
start_observatory() {
    local cache_mb=$1
    DATABASE_URL="$BENCH_URL" RUST_LOG=warn "$OBSERVATORY" serve --listen "127.0.0.1:$OBS_PORT" \
        --tile-cache-mb "$cache_mb" >"$WORK/obs-serve.log" 2>&1 &
    server_pid=$!
    wait_for "http://127.0.0.1:$OBS_PORT/health"
}
start_martin() {
    local cache_mb=$1
    RUST_LOG=warn "$MARTIN" --config "$WORK/martin.yaml" --cache-size "$cache_mb" >"$WORK/martin.log" 2>&1 &
    server_pid=$!
    wait_for "http://127.0.0.1:$MARTIN_PORT/catalog"
}

# Same content: both servers must give the same bytes for the same tile.
say "comparing tiles"
start_observatory 0
mkdir -p "$WORK/cmp"
head -n 60 "$WORK/obs-paths.txt" >"$WORK/cmp-obs.txt"
head -n 60 "$WORK/martin-paths.txt" >"$WORK/cmp-martin.txt"
i=0
while read -r p; do
    i=$((i + 1))
    curl -fs -o "$WORK/cmp/obs.$i" "http://127.0.0.1:$OBS_PORT$p" || : >"$WORK/cmp/obs.$i"
done <"$WORK/cmp-obs.txt"
stop_server
start_martin 0
i=0
while read -r p; do
    i=$((i + 1))
    curl -fs -o "$WORK/cmp/martin.$i" "http://127.0.0.1:$MARTIN_PORT$p" || : >"$WORK/cmp/martin.$i"
done <"$WORK/cmp-martin.txt"
stop_server
identical=0
for ((j = 1; j <= i; j++)); do
    if cmp -s "$WORK/cmp/obs.$j" "$WORK/cmp/martin.$j"; then identical=$((identical + 1)); fi
done
obs_bytes=$(cat "$WORK"/cmp/obs.* | wc -c)
martin_bytes=$(cat "$WORK"/cmp/martin.* | wc -c)
say "$identical of $i sampled tiles are byte for byte identical; $obs_bytes bytes from the observatory, $martin_bytes from martin"

# One wrk run; prints "req_per_s p50_ms p99_ms errors".
load() {
    local base=$1 list=$2 seconds=$3
    TILE_LIST="$list" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${seconds}s" --timeout "${TIMEOUT}s" --latency -s "$WORK/cycle.lua" "$base" \
        >"$WORK/wrk.out" 2>&1 || {
        cat "$WORK/wrk.out" >&2
        return 1
    }
    awk '/^RESULT/ {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "%.1f %.2f %.2f %d\n", v["requests"] / (v["duration_us"] / 1e6), v["p50_us"] / 1000, v["p99_us"] / 1000, v["errors"]
    }' "$WORK/wrk.out"
}

# Every path of the list once, 8 at a time: with caches on, each tile is then in the cache
# before the warm-up and the measured run, however long building the list takes. Prints
# the bytes received.
prime() {
    local base=$1 list=$2
    sed "s|^|$base|" "$list" | xargs -P 8 -n 1 curl -s -o /dev/null -w '%{size_download}\n' |
        awk '{ s += $1 } END { print s + 0 }'
}

declare -A rps p50 p99 errs
measure() {
    local server=$1 mode=$2 run=$3 cache base list out
    if [[ $mode == off ]]; then cache=0; else cache=$CACHE_MB; fi
    if [[ $server == observatory ]]; then
        start_observatory "$cache"
        base="http://127.0.0.1:$OBS_PORT"
        list="$WORK/obs-paths.txt"
    else
        start_martin "$cache"
        base="http://127.0.0.1:$MARTIN_PORT"
        list="$WORK/martin-paths.txt"
    fi
    if [[ $mode == on ]]; then
        say "  $server: every tile of the list once ($(prime "$base" "$list") bytes)"
    fi
    load "$base" "$list" "$WARMUP" >/dev/null
    out=$(load "$base" "$list" "$DURATION")
    stop_server
    read -r r a b e <<<"$out"
    rps[$server.$mode]+="$r "
    p50[$server.$mode]+="$a "
    p99[$server.$mode]+="$b "
    errs[$server.$mode]+="$e "
    say "run $run, $server, cache $mode: $r req/s, p50 $a ms, p99 $b ms, errors $e"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((run = 1; run <= RUNS; run++)); do
    for mode in $MODES; do
        if ((run % 2)); then
            measure observatory "$mode" "$run"
            measure martin "$mode" "$run"
        else
            measure martin "$mode" "$run"
            measure observatory "$mode" "$run"
        fi
    done
done

median() { printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

{
    echo "Latest result ($(date -u +%Y-%m-%d)), ${NATIONAL:+national release, }$tile_count tile addresses ($per_zoom), communes at each, services from z$SERVICES_FROM: $url_count URLs;"
    echo "wrk -t $THREADS -c $CONNECTIONS -d ${DURATION}s --timeout ${TIMEOUT}s after a ${WARMUP}s warm-up, $RUNS runs each, servers run one at a time;"
    echo "$identical of $i sampled tiles byte for byte identical between the two servers (the observatory clips and"
    echo "snaps outlines itself, so only point tiles can be);"
    echo "those tiles weigh $obs_bytes bytes from the observatory, $martin_bytes bytes from martin (uncompressed)."
    echo
    echo "| server | cache | runs | median req/s | median p50 ms | median p99 ms | errors | req/s per run |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
    for mode in $MODES; do
        for server in observatory martin; do
            k="$server.$mode"
            echo "| $server | $mode | $RUNS | $(median "${rps[$k]}") | $(median "${p50[$k]}") | $(median "${p99[$k]}") | $(echo ${errs[$k]} | tr ' ' '+' | bc) | ${rps[$k]% } |"
        done
    done
    echo
    for mode in $MODES; do
        o="observatory.$mode"
        m="martin.$mode"
        echo "- caches $mode: observatory / martin, requests per second: $(ratio "$(median "${rps[$o]}")" "$(median "${rps[$m]}")"); p99 latency: $(ratio "$(median "${p99[$o]}")" "$(median "${p99[$m]}")") (below 1: lower than martin's)"
    done
    echo
    echo "The release loaded by \`observatory ingest\` (\`/usr/bin/time -v\`): wall $ingest_wall, peak resident memory $ingest_rss MiB; $(tail -n 1 "$WORK/ingest.out")."
    echo "martin: $("$MARTIN" --version 2>&1 | head -n 1); wrk: $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2);"
    echo "load average (1, 5, 15 min) before the runs $load_before, after $(cut -d' ' -f1-3 /proc/loadavg)"
} >&3
