#!/usr/bin/env bash
# Services export benchmark: `GET /exports/services.geojson` from `observatory serve`
# (fetched with curl) against GDAL's `ogr2ogr -f GeoJSON` reading the same rows and
# columns from the same PostGIS table, one after the other in the same run.
#
#   benches/export_vs_ogr2ogr.sh [COUNT]        # COUNT services in the table, default 500000
#   RUNS=5 benches/export_vs_ogr2ogr.sh 100000  # runs per tool, default 3
#
# It builds nothing: build first with `cargo build --release --bin observatory`
# (OBSERVATORY=/path/to/observatory picks another binary). It installs gdal-bin, curl and
# time with apt-get when they are missing, starts a private PostGIS cluster in a temporary
# folder under /tmp, creates a database `bench`, loads the Westhoek release
# (`observatory ingest`), then synthetic services (benches/generate_services.py and
# `observatory ingest --file`; about half of the generated points lie too far from the
# study area and are rejected, so it generates twice COUNT and keeps the COUNT services of
# lowest id). It starts `observatory serve` on a free port and times curl and ogr2ogr
# alternately (A B A B ...), sampling the server's resident memory (VmRSS in
# /proc/PID/status) every 20 ms during each export. It counts the features of both
# outputs with ogrinfo. The markdown report goes to stdout, progress to stderr. The
# server and the cluster are stopped and the folder removed on exit.
set -euo pipefail

COUNT="${1:-500000}"
RUNS="${RUNS:-3}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OBSERVATORY="${OBSERVATORY:-$ROOT/target/release/observatory}"
if [[ "$OBSERVATORY" != /* ]]; then OBSERVATORY="$PWD/$OBSERVATORY"; fi
GENERATOR="$ROOT/benches/generate_services.py"
source "$ROOT/benches/lib.sh"
whole_number COUNT 1
whole_number RUNS 1 50
cd "$ROOT" # `observatory ingest` finds data/manifests/westhoek.toml from here

exec 3>&1 1>&2
require_observatory
install_missing ogr2ogr=gdal-bin curl=curl /usr/bin/time=time psql=postgresql-client python3=python3

# --- scratch folder, cluster, server ---------------------------------------------------------
server_pid=""
before_cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
start_private_cluster obsexport
OGR_CONNINFO="PG:host=$PGDIR port=5432 user=observatory dbname=bench"

sql() { psql -X -q -v ON_ERROR_STOP=1 -tA "$BENCH_URL" -c "$1"; }


say "loading the Westhoek release (observatory ingest)"
DATABASE_URL="$BENCH_URL" "$OBSERVATORY" ingest --no-progress >"$WORK/westhoek.out" 2>"$WORK/westhoek.err" || {
    tail -n 8 "$WORK/westhoek.err" >&2
    echo "could not load the Westhoek release" >&2
    exit 1
}

CSV="$WORK/synthetic.csv"
GENERATED=$((COUNT * 2 + 10000))
say "writing $GENERATED synthetic services and loading them (observatory ingest --file)"
python3 "$GENERATOR" --count "$GENERATED" --format csv --output "$CSV"
DATABASE_URL="$BENCH_URL" "$OBSERVATORY" ingest --no-progress --file "$CSV" --source-id synthetic \
    --category-field category --vocabulary category --id-field id --name-field name \
    --x-field lon --y-field lat --srid 4326 >"$WORK/synthetic.out" 2>"$WORK/synthetic.err" || {
    tail -n 8 "$WORK/synthetic.err" >&2
    echo "could not load the synthetic services" >&2
    exit 1
}
rm -f -- "$CSV"
loaded="$(sql "SELECT count(*) FROM service")"
if ((loaded < COUNT)); then
    echo "only $loaded services were loaded, fewer than $COUNT" >&2
    exit 1
fi
# Exactly COUNT services: the real ones and the synthetic ones of lowest id.
sql "DELETE FROM service WHERE id > (SELECT id FROM service ORDER BY id OFFSET $((COUNT - 1)) LIMIT 1)" >/dev/null
sql "VACUUM ANALYZE service" >/dev/null
sql "VACUUM ANALYZE service_provenance" >/dev/null
rows="$(sql "SELECT count(*) FROM service")"
say "$rows services in the table"

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
say "starting observatory serve on 127.0.0.1:$PORT"
DATABASE_URL="$BENCH_URL" RUST_LOG=warn "$OBSERVATORY" serve --listen "127.0.0.1:$PORT" \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
server_pid=$!
for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then break; fi
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null || {
    tail -n 8 "$WORK/serve.err" >&2
    echo "the server did not answer" >&2
    exit 1
}

# --- the two commands ------------------------------------------------------------------------
URL="http://127.0.0.1:$PORT/exports/services.geojson"
# The same rows and columns as the server's export (crates/server/src/sql/export_services.sql).
OGR_SQL="SELECT s.id, s.category, sc.group_id AS \"group\", s.name, s.address, s.country::text AS country,
CASE WHEN s.commune_code IS NOT NULL THEN s.country || '-' || s.commune_code END AS commune,
s.sources,
s.first_seen, s.last_seen, s.closure_candidate, s.geom
FROM service s JOIN service_category sc ON sc.id = s.category ORDER BY s.id"
OBS_OUT="$WORK/observatory.geojson"
OGR_OUT="$WORK/ogr2ogr.geojson"
cmd_obs=(curl -fsS -o "$OBS_OUT" "$URL")
cmd_ogr=(ogr2ogr -f GeoJSON "$OGR_OUT" "$OGR_CONNINFO" -sql "$OGR_SQL" -nln services
    -lco COORDINATE_PRECISION=6)

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
max_of() { printf '%s\n' "$@" | sort -g | tail -n 1; }
features_in() { ogrinfo -ro -so -al "$1" 2>/dev/null | awk -F': ' '/^Feature Count/ { print $2 }'; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

obs_secs=() ogr_secs=() rss_before=() rss_peak=() rss_after=()
rss_start="$(rss_kb)"
hwm_start="$(hwm_kb)"

run_obs() {
    local i=$1
    local before peak=0 t0 t1 sampler samples="$WORK/rss.$i"
    rm -f -- "$OBS_OUT"
    sql "CHECKPOINT" >/dev/null
    before="$(rss_kb)"
    say "run $i/$RUNS: curl $URL"
    (
        while kill -0 "$server_pid" 2>/dev/null; do
            awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"
            sleep 0.02
        done
    ) >"$samples" 2>/dev/null &
    sampler=$!
    t0="$(now)"
    "${cmd_obs[@]}"
    t1="$(now)"
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    peak="$(sort -n "$samples" | tail -n 1)"
    obs_secs+=("$(elapsed "$t0" "$t1")")
    rss_before+=("$before")
    rss_peak+=("${peak:-$before}")
    rss_after+=("$(rss_kb)")
    say "  ${obs_secs[-1]} s; server RSS ${before} kB before, ${rss_peak[-1]} kB at most during, ${rss_after[-1]} kB after"
}

run_ogr() {
    local i=$1 t0 t1
    rm -f -- "$OGR_OUT"
    sql "CHECKPOINT" >/dev/null
    say "run $i/$RUNS: ogr2ogr -f GeoJSON"
    t0="$(now)"
    "${cmd_ogr[@]}" 2>"$WORK/ogr.$i.err" || {
        tail -n 20 "$WORK/ogr.$i.err" >&2
        echo "ogr2ogr failed" >&2
        exit 1
    }
    t1="$(now)"
    ogr_secs+=("$(elapsed "$t0" "$t1")")
    say "  ${ogr_secs[-1]} s"
}

for ((i = 1; i <= RUNS; i++)); do
    run_obs "$i"
    run_ogr "$i"
done

obs_features="$(features_in "$OBS_OUT")"
ogr_features="$(features_in "$OGR_OUT")"
obs_bytes="$(stat -c %s "$OBS_OUT")"
ogr_bytes="$(stat -c %s "$OGR_OUT")"
hwm_end="$(hwm_kb)"

# --- report ----------------------------------------------------------------------------------
fps() { awk -v n="$rows" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
quoted() {
    local out=() a
    for a in "$@"; do
        if [[ "$a" =~ ^[A-Za-z0-9_./:=,@+-]+$ ]]; then out+=("$a"); else out+=("'${a//\'/\'\\\'\'}'"); fi
    done
    printf '%s' "${out[*]}"
}
growths=()
for ((i = 0; i < ${#rss_peak[@]}; i++)); do growths+=("$((rss_peak[i] - rss_before[i]))"); done

obs_median="$(median "${obs_secs[@]}")"
ogr_median="$(median "${ogr_secs[@]}")"
obs_fps="$(fps "$obs_median")"
ogr_fps="$(fps "$ogr_median")"
{
    echo "$rows services, $RUNS run(s) each, alternated; $(nproc) cores,"
    echo "$(ogr2ogr --version | cut -d, -f1), $(sql "SHOW server_version" | cut -d' ' -f1) with PostGIS $(sql "SELECT extversion FROM pg_extension WHERE extname = 'postgis'")."
    echo
    echo "| tool | runs | median s | features/s | features in output | output MB |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    echo "| observatory (curl /exports/services.geojson) | $RUNS | $obs_median | $obs_fps | $obs_features | $(mb "$((obs_bytes / 1024))") |"
    echo "| ogr2ogr -f GeoJSON | $RUNS | $ogr_median | $ogr_fps | $ogr_features | $(mb "$((ogr_bytes / 1024))") |"
    echo
    echo "observatory / ogr2ogr, features per second: $(awk -v a="$obs_fps" -v b="$ogr_fps" 'BEGIN { printf "%.2f", a / b }')"
    echo
    echo "Server memory (VmRSS of \`observatory serve\`), MB: $(mb "$rss_start") after start;"
    echo "per run before / highest during / after: $(for ((i = 0; i < ${#rss_peak[@]}; i++)); do printf '%s / %s / %s; ' "$(mb "${rss_before[i]}")" "$(mb "${rss_peak[i]}")" "$(mb "${rss_after[i]}")"; done)"
    echo "largest growth during an export: $(mb "$(max_of "${growths[@]}")") MB; VmHWM $(mb "$hwm_start") MB at start, $(mb "$hwm_end") MB at the end."
    echo
    echo "Seconds are wall-clock times of the whole command; features/s is $rows over the median."
    echo "Runs, in seconds: observatory ${obs_secs[*]}; ogr2ogr ${ogr_secs[*]}."
    echo "Features counted with \`ogrinfo -ro -so -al\` on the last output of each tool."
    echo
    echo "Commands (the temporary folder is removed afterwards):"
    echo
    echo '```sh'
    echo "$(quoted "${cmd_obs[@]}")"
    echo "$(quoted "${cmd_ogr[@]}")"
    echo '```'
} >&3
