#!/usr/bin/env bash
# Installs what outlet-desk needs to build and run on Debian/Ubuntu:
# a C compiler (bundled SQLite), the X11/Wayland client libraries winit
# loads at run time, Mesa for the GPU renderer (iced falls back to the CPU
# renderer without it), Python with venv for the schemathesis contract
# run (scripts/schemathesis.sh), poppler-utils (the print tests read
# PDFs back with pdftotext/pdfinfo/pdftoppm), CUPS with the cups-pdf
# queue driver (the print test runs a private cupsd, scripts/cups-test.sh;
# cups-ipp-utils's ipptool reads a finished job's state, which lpstat omits),
# PostgreSQL (the hub's second engine; tests start a throw-away cluster
# with scripts/pg-test.sh),
# and Rust itself when cargo is missing.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
  build-essential pkg-config ca-certificates curl \
  libxkbcommon0 libxkbcommon-x11-0 libx11-6 libxcursor1 libxrandr2 libxi6 \
  libwayland-client0 libegl1 libgl1 libvulkan1 mesa-vulkan-drivers \
  libfontconfig1 fontconfig \
  python3 python3-venv \
  poppler-utils cups cups-client cups-bsd cups-ipp-utils printer-driver-cups-pdf \
  postgresql
if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    :
  else
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  fi
fi
