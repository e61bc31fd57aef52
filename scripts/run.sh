#!/usr/bin/env bash
# From a fresh clone to the map: installs what is missing, builds, loads the Westhoek
# release into the embedded database and serves http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cargo build --release --locked --bin observatory
# The label glyphs the map draws with (web/glyphs); skipped when they are up to date.
./target/release/observatory glyphs
./target/release/observatory ingest
exec ./target/release/observatory serve "$@"
