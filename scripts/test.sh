#!/usr/bin/env bash
# The whole test suite: formatting, lints, then every test (unit,
# integration against a real order-hub on loopback, and iced_test UI).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
export ICED_TEST_BACKEND=tiny-skia
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked
