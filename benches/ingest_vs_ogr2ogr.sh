#!/usr/bin/env bash
# Service ingest benchmark: `observatory ingest --file` against GDAL's ogr2ogr, loading the
# same synthetic CSV of services into the same PostGIS, one after the other.
#
#   benches/ingest_vs_ogr2ogr.sh [COUNT]        # COUNT services, default 500000
#   RUNS=5 benches/ingest_vs_ogr2ogr.sh 100000  # runs per tool, default 3
#
# It builds nothing: build first with `cargo build --release --bin observatory`
# (OBSERVATORY=/path/to/observatory picks another binary). It installs gdal-bin and time
# with apt-get when they are missing, starts a private PostGIS cluster in a temporary
# folder under /tmp, creates a database `bench` in it, loads the Westhoek communes
# (`observatory ingest`), writes the synthetic CSV with benches/generate_services.py, then
# times the two tools alternately (A B A B ...) with `/usr/bin/time -v`, a CHECKPOINT
# before each run so none pays for the previous one's writes; before each observatory run
# the previous one's source is removed (untimed), and one last observatory run, timed on
# its own, replaces the loaded source. Between them, a floor is timed once: the rows the
# last observatory run kept, already checked, located and merged (the services only it
# lists and their provenance), copied back into `service` and `service_provenance` (psql
# \copy, binary) as the ingest's direct load writes them: the same indexes and keys set
# aside and rebuilt, the same counting triggers set aside for the copies and the copied
# rows counted once, by the ingest's own statements (crates/ingest/src/services/sql/):
# what any load into the observatory's tables costs before reading a single input line.
# The markdown report goes to stdout, progress to stderr. The cluster is stopped and the
# folder removed on exit.
set -euo pipefail

COUNT="${1:-500000}"
RUNS="${RUNS:-3}"
OGR_GT="${OGR_GT:-65536}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OBSERVATORY="${OBSERVATORY:-$ROOT/target/release/observatory}"
if [[ "$OBSERVATORY" != /* ]]; then OBSERVATORY="$PWD/$OBSERVATORY"; fi
GENERATOR="$ROOT/benches/generate_services.py"
source "$ROOT/benches/lib.sh"
whole_number COUNT 1
whole_number RUNS 1 50
cd "$ROOT" # `observatory ingest` finds data/manifests/westhoek.toml from here

# The report goes to fd 3 (stdout); everything else to stderr.
exec 3>&1 1>&2
require_observatory
install_missing ogr2ogr=gdal-bin /usr/bin/time=time psql=postgresql-client python3=python3

# --- scratch folder and cluster -----------------------------------------------------------
start_private_cluster obsbench
OGR_CONNINFO="PG:host=$PGDIR port=5432 user=observatory dbname=bench"

sql() { psql -X -q -v ON_ERROR_STOP=1 -tA "$BENCH_URL" -c "$1"; }

sql "CREATE EXTENSION IF NOT EXISTS postgis"

say "loading the Westhoek communes (observatory ingest)"
communes_ok=1
if ! DATABASE_URL="$BENCH_URL" "$OBSERVATORY" ingest --no-progress >"$WORK/communes.out" 2>"$WORK/communes.err"; then
    communes_ok=0
    echo "warning: 'observatory ingest' of the communes failed; the observatory half is skipped" >&2
    tail -n 5 "$WORK/communes.err" >&2
else
    tail -n 1 "$WORK/communes.out" >&2
fi

CSV="$WORK/synthetic.csv"
say "writing $COUNT synthetic services"
python3 "$GENERATOR" --count "$COUNT" --format csv --output "$CSV"

# --- the two commands ----------------------------------------------------------------------
cmd_obs=("$OBSERVATORY" ingest --file "$CSV" --source-id synthetic --category-field category
    --vocabulary category --id-field id --name-field name --x-field lon --y-field lat --srid 4326)
cmd_ogr=(ogr2ogr -f PostgreSQL "$OGR_CONNINFO" "$CSV" -nln ogr_services -overwrite
    -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -oo KEEP_GEOM_COLUMNS=NO
    -a_srs EPSG:4326 -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST
    --config PG_USE_COPY YES -gt "$OGR_GT")

# Seconds of "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.34" in a `time -v` file.
wall_seconds() {
    awk -F': ' '/Elapsed \(wall clock\) time/ {
        n = split($NF, p, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + p[i]
        printf "%.3f\n", s
    }' "$1"
}
rss_kb() { awk -F': ' '/Maximum resident set size/ { print $NF }' "$1"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
max_of() { printf '%s\n' "$@" | sort -g | tail -n 1; }

obs_secs=() obs_load_secs=() obs_rss=() obs_rows=() ogr_secs=() ogr_rss=() ogr_rows=()
obs_enabled=$communes_ok
obs_failure=""
if ((!communes_ok)); then obs_failure="the communes did not load (see above)"; fi
provenance_table=0

# Every timed run starts from the same state, as ogr2ogr's -overwrite does: the previous
# run's source is removed (untimed) and the tables vacuumed. Replacing a loaded source is
# timed once on its own at the end.
remove_synthetic() {
    sql "DELETE FROM service_provenance WHERE source_id = 'synthetic'" >/dev/null
    sql "DELETE FROM service s WHERE NOT EXISTS (SELECT 1 FROM service_provenance p WHERE p.service_id = s.id)" >/dev/null
    sql "VACUUM ANALYZE service, service_provenance" >/dev/null
}

run_obs() {
    local i=$1 rc=0
    if ((i > 1)); then
        say "removing the previous run's source (untimed)"
        remove_synthetic
    fi
    sql "CHECKPOINT" >/dev/null
    say "run $i/$RUNS: observatory ingest --file"
    DATABASE_URL="$BENCH_URL" /usr/bin/time -v -o "$WORK/obs.$i.time" "${cmd_obs[@]}" \
        >"$WORK/obs.$i.out" 2>"$WORK/obs.$i.err" || rc=$?
    if ((rc != 0)); then
        obs_enabled=0
        obs_failure="exit status $rc on run $i"
        {
            echo "The observatory's quick service import failed (exit status $rc)."
            echo "If the binary predates 'observatory ingest --file', rebuild it with"
            echo "'cargo build --release --bin observatory'. Last lines of its stderr:"
            tail -n 8 "$WORK/obs.$i.err" | sed 's/^/    /'
            echo "The observatory half is skipped; ogr2ogr goes on."
        } >&2
        return 0
    fi
    obs_secs+=("$(wall_seconds "$WORK/obs.$i.time")")
    # The ingest ends by recomputing the indicators (issue of its own, measured on its
    # own); its receipt says how long that took, so the loading can be compared alone.
    local refresh
    refresh=$(awk '/^indicators recomputed in/ { print $4 }' "$WORK/obs.$i.out")
    obs_load_secs+=("$(awk -v t="${obs_secs[-1]}" -v r="${refresh:-0}" 'BEGIN { printf "%.3f", t - r }')")
    obs_rss+=("$(rss_kb "$WORK/obs.$i.time")")
    if [[ "$(sql "SELECT to_regclass('service_provenance') IS NOT NULL")" == t ]]; then
        provenance_table=1
        obs_rows+=("$(sql "SELECT count(*) FROM service_provenance WHERE source_id = 'synthetic'")")
    else
        obs_rows+=("?")
    fi
    say "  ${obs_secs[-1]} s, $((obs_rss[-1] / 1024)) MB, rows: ${obs_rows[-1]}; $(tail -n 1 "$WORK/obs.$i.out")"
}

run_ogr() {
    local i=$1 rc=0
    sql "CHECKPOINT" >/dev/null
    say "run $i/$RUNS: ogr2ogr"
    /usr/bin/time -v -o "$WORK/ogr.$i.time" "${cmd_ogr[@]}" >"$WORK/ogr.$i.out" 2>"$WORK/ogr.$i.err" || rc=$?
    if ((rc != 0)); then
        echo "ogr2ogr failed (exit status $rc); its stderr:" >&2
        tail -n 20 "$WORK/ogr.$i.err" >&2
        exit 1
    fi
    ogr_secs+=("$(wall_seconds "$WORK/ogr.$i.time")")
    ogr_rss+=("$(rss_kb "$WORK/ogr.$i.time")")
    ogr_rows+=("$(sql "SELECT count(*) FROM ogr_services")")
    say "  ${ogr_secs[-1]} s, $((ogr_rss[-1] / 1024)) MB, rows: ${ogr_rows[-1]}"
}

for ((i = 1; i <= RUNS; i++)); do
    if ((obs_enabled)); then run_obs "$i"; fi
    run_ogr "$i"
done

# The floor: the last run's rows written back, with nothing to read, check or locate
# (services it merged into another source's stay, as remove_synthetic leaves them).
floor_secs=""
if ((obs_enabled)); then
    say "floor: the kept rows copied back into the observatory's tables (export untimed)"
    service_columns="id, category, name, address, country, commune_code, geom, first_seen, last_seen, closure_candidate, sources"
    only_synthetic="EXISTS (SELECT 1 FROM service_provenance p WHERE p.service_id = s.id AND p.source_id = 'synthetic') AND NOT EXISTS (SELECT 1 FROM service_provenance p WHERE p.service_id = s.id AND p.source_id <> 'synthetic')"
    psql -X -q -v ON_ERROR_STOP=1 "$BENCH_URL" \
        -c "\\copy (SELECT $service_columns FROM service s WHERE $only_synthetic) TO '$WORK/floor_service.bin' (FORMAT binary)" \
        -c "\\copy (SELECT p.* FROM service_provenance p JOIN service s ON s.id = p.service_id WHERE p.source_id = 'synthetic' AND $only_synthetic) TO '$WORK/floor_provenance.bin' (FORMAT binary)"
    # Those services' ids are one block of the last run's (no other service is in it), as
    # the direct load's are when it counts them.
    IFS='|' read -r floor_first floor_last <<<"$(sql "SELECT min(id), max(id) FROM service s WHERE $only_synthetic")"
    remove_synthetic
    sql "CHECKPOINT" >/dev/null
    ingest_sql="$ROOT/crates/ingest/src/services/sql"
    cat >"$WORK/floor.sql" <<SQL
\\timing on
BEGIN;
SELECT service_load_detach(referencing => false);
\\i $ingest_sql/count_triggers_off.sql
\\copy service ($service_columns) FROM '$WORK/floor_service.bin' (FORMAT binary)
\\copy service_provenance FROM '$WORK/floor_provenance.bin' (FORMAT binary)
PREPARE count_services AS
$(cat "$ingest_sql/count_direct_services.sql")
;
PREPARE count_provenance AS
$(cat "$ingest_sql/count_direct_provenance.sql")
;
EXECUTE count_services($floor_first, $floor_last);
EXECUTE count_provenance($floor_first, $floor_last);
\\i $ingest_sql/count_triggers_on.sql
SELECT service_load_attach();
COMMIT;
SQL
    /usr/bin/time -v -o "$WORK/floor.time" psql -X -q -v ON_ERROR_STOP=1 "$BENCH_URL" -f "$WORK/floor.sql" >"$WORK/floor.out"
    floor_secs="$(wall_seconds "$WORK/floor.time")"
    # Each statement's time (detach, triggers aside, the two copies, the two counts
    # prepared and run, triggers back, attach), to the progress output.
    say "  steps, ms: $(awk '/^Time:/ { printf "%s ", $2 }' "$WORK/floor.out")"
    say "  $floor_secs s, rows: $(sql "SELECT count(*) FROM service_provenance WHERE source_id = 'synthetic'")"
fi

# Loading the same source again replaces it: its previous services are deleted first.
replace_secs="" replace_rss=""
if ((obs_enabled)); then
    sql "CHECKPOINT" >/dev/null
    say "observatory ingest --file again, replacing the loaded source"
    if DATABASE_URL="$BENCH_URL" /usr/bin/time -v -o "$WORK/obs.replace.time" "${cmd_obs[@]}" \
        >"$WORK/obs.replace.out" 2>"$WORK/obs.replace.err"; then
        replace_secs="$(wall_seconds "$WORK/obs.replace.time")"
        replace_rss="$(rss_kb "$WORK/obs.replace.time")"
        say "  $replace_secs s, $((replace_rss / 1024)) MB"
    else
        echo "the replacing run failed; its stderr:" >&2
        tail -n 8 "$WORK/obs.replace.err" >&2
    fi
fi

# --- report --------------------------------------------------------------------------------
fps() { awk -v n="$COUNT" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# Arguments as a shell would need them: plain, or in single quotes.
quoted() {
    local out=() a
    for a in "$@"; do
        if [[ "$a" =~ ^[A-Za-z0-9_./:=,@+-]+$ ]]; then out+=("$a"); else out+=("'${a//\'/\'\\\'\'}'"); fi
    done
    printf '%s' "${out[*]}"
}

ogr_median="$(median "${ogr_secs[@]}")"
ogr_fps="$(fps "$ogr_median")"
{
    echo "## Service ingest: observatory vs ogr2ogr"
    echo
    echo "$COUNT synthetic services (CSV, EPSG:4326, seed 42), $RUNS run(s) each, alternated;"
    echo "$(nproc) cores, $(ogr2ogr --version | cut -d, -f1), $(sql "SHOW server_version" | cut -d' ' -f1) with PostGIS $(sql "SELECT extversion FROM pg_extension WHERE extname = 'postgis'")."
    echo
    echo "| tool | runs | median s | features/s | peak RSS MB | rows in table |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    if ((${#obs_secs[@]} > 0)); then
        obs_median="$(median "${obs_secs[@]}")"
        obs_fps="$(fps "$obs_median")"
        echo "| observatory ingest --file | ${#obs_secs[@]} | $obs_median | $obs_fps | $(mb "$(max_of "${obs_rss[@]}")") | ${obs_rows[-1]} |"
        obs_load_median="$(median "${obs_load_secs[@]}")"
        obs_load_fps="$(fps "$obs_load_median")"
        echo "| observatory ingest --file, without its indicator refresh | ${#obs_load_secs[@]} | $obs_load_median | $obs_load_fps | | |"
    else
        echo "| observatory ingest --file | 0 | n/a | n/a | n/a | n/a ($obs_failure) |"
    fi
    echo "| ogr2ogr | ${#ogr_secs[@]} | $ogr_median | $ogr_fps | $(mb "$(max_of "${ogr_rss[@]}")") | ${ogr_rows[-1]} |"
    if [[ -n "$replace_secs" ]]; then
        echo "| observatory, replacing the loaded source | 1 | $replace_secs | $(fps "$replace_secs") | $(mb "$replace_rss") | ${obs_rows[-1]} |"
    fi
    if [[ -n "$floor_secs" ]]; then
        echo "| floor: the kept rows copied into the observatory's tables, indexes and keys rebuilt, nothing read or checked | 1 | $floor_secs | $(fps "$floor_secs") | | ${obs_rows[-1]} |"
    fi
    echo
    if ((${#obs_secs[@]} > 0)); then
        echo "observatory / ogr2ogr, features per second: $(awk -v a="$obs_fps" -v b="$ogr_fps" 'BEGIN { printf "%.2f", a / b }')"
        echo "observatory without its indicator refresh / ogr2ogr: $(awk -v a="$obs_load_fps" -v b="$ogr_fps" 'BEGIN { printf "%.2f", a / b }')"
    fi
    if [[ -n "$floor_secs" ]]; then
        echo "floor / ogr2ogr: $(awk -v a="$ogr_median" -v b="$floor_secs" 'BEGIN { printf "%.2f", a / b }') (features per second; the 2x goal needs the whole load at ogr2ogr's time / 2 = $(awk -v a="$ogr_median" 'BEGIN { printf "%.3f", a / 2 }') s)"
    else
        echo "observatory / ogr2ogr, features per second: n/a (no successful observatory run)"
    fi
    echo
    echo "Seconds are wall-clock times from \`/usr/bin/time -v\`; features/s is $COUNT over the median."
    echo "Peak RSS is the client process's (the largest over the runs); the PostgreSQL server's is in neither."
    echo "Each observatory run starts with the source absent (the previous run's removed and the tables vacuumed, untimed);"
    echo "the replacing run loads the same file once more over the loaded source, deleting its services first."
    echo "Runs per tool, in seconds: observatory ${obs_secs[*]:-none} (without the indicator refresh ${obs_load_secs[*]:-none}); ogr2ogr ${ogr_secs[*]}."
    if ((${#obs_secs[@]} > 0)); then
        if ((provenance_table)); then
            echo "Observatory rows: SELECT count(*) FROM service_provenance WHERE source_id = 'synthetic', after each run: ${obs_rows[*]}."
        else
            echo "Observatory rows: no service_provenance table; its own summary of the last run:"
            echo
            echo '```'
            cat "$WORK/obs.${#obs_secs[@]}.out"
            echo '```'
        fi
    fi
    echo
    echo "Commands (the temporary folder is removed afterwards):"
    echo
    echo '```sh'
    echo "DATABASE_URL=$(quoted "$BENCH_URL") /usr/bin/time -v $(quoted "${cmd_obs[@]}")"
    echo "/usr/bin/time -v $(quoted "${cmd_ogr[@]}")"
    echo '```'
} >&3
