#!/usr/bin/env bash
# The whole test suite: formatting, lints, then every test (unit,
# integration against a real order-hub on loopback, and iced_test UI).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
export ICED_TEST_BACKEND=tiny-skia
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
# One throw-away PostgreSQL cluster for the whole run (the hub's second
# engine, issue 15); each test makes its own databases in it. Without
# PostgreSQL installed the PostgreSQL tests say why they skip.
PG_DIR=$(mktemp -d)
stop_pg() { bash scripts/pg-test.sh stop "$PG_DIR" >/dev/null 2>&1 || true; rm -rf "$PG_DIR"; }
trap stop_pg EXIT
if bash scripts/pg-test.sh start "$PG_DIR" >/dev/null; then
  ORDER_HUB_TEST_PG=$(cat "$PG_DIR/database_url")
  export ORDER_HUB_TEST_PG
else
  echo "test.sh: no PostgreSQL cluster (see above); its tests start their own or skip" >&2
fi
cargo test --locked
