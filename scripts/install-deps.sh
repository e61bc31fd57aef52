#!/usr/bin/env bash
# Installs what the observatory needs and the machine lacks: PostgreSQL 15 with PostGIS 3
# from the OS packages, MapLibre GL JS from npm; with --test also Chromium, GDAL's command-line
# tools and the browser test's npm packages. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=false
[[ "${1:-}" == "--test" ]] && want_tests=true

sudo_if_needed() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

packages=()
[[ -x /usr/lib/postgresql/15/bin/initdb ]] || packages+=(postgresql-15)
[[ -f /usr/share/postgresql/15/extension/postgis.control ]] || packages+=(postgresql-15-postgis-3)
command -v psql >/dev/null || packages+=(postgresql-client-15)
command -v npm >/dev/null || packages+=(nodejs npm)
# The map's label glyphs are rendered from Noto Sans (`observatory glyphs`).
[[ -f /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf ]] || packages+=(fonts-noto-core)
if $want_tests; then
  [[ -x /usr/bin/chromium ]] || packages+=(chromium)
  # GDAL's ogrinfo reads the OGC API collections as QGIS does (tests/integration/ogc.rs).
  command -v ogrinfo >/dev/null || packages+=(gdal-bin)
fi
if ((${#packages[@]})); then
  echo "installing OS packages: ${packages[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "error: cargo is missing; install Rust from https://rustup.rs" >&2; exit 1; }

(cd web && npm ci --no-audit --no-fund --loglevel=error)
if $want_tests; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
