#!/usr/bin/env bash
# Installs what is needed, then starts outlet-desk on its embedded default:
# an in-process order-hub with the demo network and a local SQLite cache.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
exec cargo run --release --locked --bin outlet-desk -- "$@"
