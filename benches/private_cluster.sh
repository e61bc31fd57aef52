# shellcheck shell=bash disable=SC2034
# Sourced by the benchmark scripts: a scratch folder under /tmp holding a private PostGIS
# cluster with an empty database `bench`, both removed when the script exits, however it
# ends. The sourcing script sets OBSERVATORY (the binary that starts and stops the cluster)
# and may define `before_cleanup` to stop its own processes first.
# After `start_private_cluster PREFIX`: WORK, PGDIR, ADMIN_URL, BENCH_URL.

start_private_cluster() {
    WORK="$(mktemp -d "/tmp/$1.XXXXXX")"
    chmod 755 "$WORK" # as root, the server runs as `postgres`, which must reach the socket folder
    PGDIR="$WORK/pg"
    ADMIN_URL="postgresql:///postgres?host=$PGDIR&port=5432&user=observatory"
    BENCH_URL="postgresql:///bench?host=$PGDIR&port=5432&user=observatory"
    trap private_cluster_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    printf '==> starting a private PostGIS cluster in %s\n' "$PGDIR" >&2
    private_cluster_started=1
    env -u DATABASE_URL "$OBSERVATORY" db start --cluster-dir "$PGDIR" >"$WORK/db-start.log" 2>&1 || {
        cat "$WORK/db-start.log" >&2
        echo "could not start the cluster" >&2
        exit 1
    }
    psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" -c "CREATE DATABASE bench"
}

private_cluster_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if declare -F before_cleanup >/dev/null; then before_cleanup; fi
    if ((${private_cluster_started:-0})); then
        printf '==> stopping the cluster\n' >&2
        env -u DATABASE_URL "$OBSERVATORY" db stop --cluster-dir "$PGDIR" >/dev/null 2>&1 ||
            echo "warning: could not stop the cluster in $PGDIR" >&2
    fi
    rm -rf -- "$WORK"
    exit "$rc"
}
