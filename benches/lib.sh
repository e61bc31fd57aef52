# shellcheck shell=bash disable=SC2034
# Sourced by the benchmark scripts: what each of them needs before it measures anything.
# The sourcing script sets ROOT and OBSERVATORY first; it may define `before_cleanup` to
# stop its own processes before the cluster is stopped.

say() { printf '==> %s\n' "$*" >&2; }

# whole_number NAME [MIN [MAX]]: the variable NAME must hold a whole number, at least MIN
# and at most MAX where they are given.
whole_number() {
    local name=$1 min=${2:-} max=${3:-} value=${!1}
    case "$value" in '' | *[!0-9]*) echo "$name must be a whole number, not '$value'" >&2; exit 2 ;; esac
    if [[ -n "$min" ]] && ((value < min)); then echo "$name must be at least $min, not $value" >&2; exit 2; fi
    if [[ -n "$max" ]] && ((value > max)); then echo "$name must be at most $max, not $value" >&2; exit 2; fi
}

# The binary under test, built beforehand (benchmarks build nothing themselves).
require_observatory() {
    if [[ ! -x "$OBSERVATORY" ]]; then
        echo "No observatory binary at $OBSERVATORY." >&2
        echo "Build it first: cargo build --release -p observatory" >&2
        exit 1
    fi
}

# install_missing COMMAND=PACKAGE ...: installs from the OS packages those whose command is
# not on PATH (a COMMAND given as an absolute path must be an executable file).
install_missing() {
    local pair command missing=()
    for pair in "$@"; do
        command=${pair%%=*}
        if [[ "$command" == /* ]]; then
            [[ -x "$command" ]] || missing+=("${pair#*=}")
        else
            command -v "$command" >/dev/null 2>&1 || missing+=("${pair#*=}")
        fi
    done
    if ((${#missing[@]} > 0)); then
        local sudo=()
        if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
        say "installing ${missing[*]}"
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

# start_private_cluster PREFIX: a scratch folder under /tmp holding a private PostGIS
# cluster with an empty database `bench`, both removed when the script exits, however it
# ends. Sets WORK, PGDIR, ADMIN_URL, BENCH_URL.
start_private_cluster() {
    WORK="$(mktemp -d "/tmp/$1.XXXXXX")"
    chmod 755 "$WORK" # as root, the server runs as `postgres`, which must reach the socket folder
    PGDIR="$WORK/pg"
    ADMIN_URL="postgresql:///postgres?host=$PGDIR&port=5432&user=observatory"
    BENCH_URL="postgresql:///bench?host=$PGDIR&port=5432&user=observatory"
    trap private_cluster_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    say "starting a private PostGIS cluster in $PGDIR"
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
        say "stopping the cluster"
        env -u DATABASE_URL "$OBSERVATORY" db stop --cluster-dir "$PGDIR" >/dev/null 2>&1 ||
            echo "warning: could not stop the cluster in $PGDIR" >&2
    fi
    rm -rf -- "$WORK"
    exit "$rc"
}
