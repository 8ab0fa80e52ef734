#!/usr/bin/env bash
# .ci/windows.sh -- cross-build outlet-desk for Windows and test it under Wine.
#
# Runs as root on a clean Debian 12 machine, from anywhere inside the repo:
#   1. installs mingw-w64, Wine 8, Xvfb, imagemagick and the Rust target
#   2. builds .ci/wine/bcryptprimitives.dll (Wine-only test shim, see the C
#      file) and puts it into a fresh WINEPREFIX under target/
#   3. cross-builds the binaries for x86_64-pc-windows-gnu in the
#      `ci-windows` profile (Cargo.toml: unoptimised, no debug info --
#      this proves the Windows build and behaviour; a shipped .exe is
#      built with --release)
#   4. runs the whole test suite under Wine
#   5. starts outlet-desk.exe under Xvfb + Wine in a fresh data dir, with
#      no ICED_BACKEND: wgpu picks DX12 there and panics in Wine's shader
#      compiler, so the client must save renderer = "software", relaunch
#      itself on tiny-skia and log that. Checks the relaunch (log line +
#      config.toml), that it is still up after 15 s with a visible window,
#      screenshots it into target/windows-shot.png, then stops it
#
# `windows.sh build` does steps 1-3 only and `windows.sh check` steps 4-5,
# so .ci/run can overlap the build with work that leaves a core idle;
# no argument (or `all`) does every step.
#
# Knobs (environment): WINCHECK_DISPLAY (default :77), WINCHECK_WAIT
# (seconds before the screenshot, default 15), WINCHECK_SKIP_APT=1 (skip
# step 1's apt-get when everything is already installed), WINCHECK_PROFILE
# (Cargo profile, default ci-windows; `release` for the shipped build).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
TARGET=x86_64-pc-windows-gnu
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET_DIR in /*) ;; *) TARGET_DIR=$ROOT/$TARGET_DIR ;; esac
PROFILE=${WINCHECK_PROFILE:-ci-windows}
OUT=$TARGET_DIR/$TARGET/$PROFILE
DISPLAY_NUM=${WINCHECK_DISPLAY:-:77}
WAIT_SECS=${WINCHECK_WAIT:-15}
SHOT=$TARGET_DIR/windows-shot.png
APP_LOG=$TARGET_DIR/windows-app.log
# What src/main.rs logs when the GPU renderer failed at start.
RELAUNCH_LINE='relaunching with the software renderer (tiny-skia)'

export WINEPREFIX=$TARGET_DIR/wineprefix
export WINEARCH=win64
export WINEDEBUG=${WINEDEBUG:--all}
# No Mono / Gecko download prompts when the prefix is made.
export WINEDLLOVERRIDES="mscoree,mshtml="
if ! command -v cargo >/dev/null && [[ -f $HOME/.cargo/env ]]; then . "$HOME/.cargo/env"; fi
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
unset DISPLAY # only the GUI step gets one

# ---------------------------------------------------------------- helpers
STEP_NAMES=()
STEP_TIMES=()
CURRENT_STEP=""
STEP_T0=""
XVFB_PID=""
APP_PID=""
DATA_DIR=""

log() { printf '[windows.sh %(%H:%M:%S)T] %s\n' -1 "$*"; }
die() {
    printf '\n[windows.sh] FAILED%s: %s\n' "${CURRENT_STEP:+ in step '$CURRENT_STEP'}" "$*" >&2
    exit 1
}

now() { date +%s.%N; }
fmt_secs() { awk -v s="$1" 'BEGIN { printf "%dm%04.1fs", int(s / 60), s - 60 * int(s / 60) }'; }

# step NAME FUNCTION: runs FUNCTION, timing it.
step() {
    local name=$1 fn=$2 t0 t1 dt
    CURRENT_STEP=$name
    STEP_T0=$(now)
    log "=== $name"
    t0=$STEP_T0
    "$fn"
    t1=$(now)
    dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    STEP_NAMES+=("$name")
    STEP_TIMES+=("$dt")
    log "=== $name: done in $(fmt_secs "$dt")"
    CURRENT_STEP=""
}

summary() {
    local i
    if [[ -n $CURRENT_STEP ]]; then # the step that failed
        STEP_NAMES+=("$CURRENT_STEP (FAILED)")
        STEP_TIMES+=("$(awk -v a="$STEP_T0" -v b="$(now)" 'BEGIN { print b - a }')")
    fi
    if ((${#STEP_NAMES[@]})); then
        echo
        echo "windows.sh step timings:"
        for i in "${!STEP_NAMES[@]}"; do
            printf '  %-34s %s\n' "${STEP_NAMES[$i]}" "$(fmt_secs "${STEP_TIMES[$i]}")"
        done
    fi
}

is_alive() { # PID: running and not a zombie
    local state
    [[ -r /proc/$1/stat ]] || return 1
    state=$(sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f1) || return 1
    [[ $state != Z && $state != X ]]
}

cleanup() {
    local rc=$?
    set +e
    if [[ -n $APP_PID ]] && is_alive "$APP_PID"; then kill "$APP_PID" 2>/dev/null; fi
    # wineserver is per prefix: this stops only processes of our own prefix.
    if [[ -d $WINEPREFIX ]] && command -v wineserver >/dev/null; then
        timeout 20 wineserver -k 2>/dev/null
    fi
    if [[ -n $XVFB_PID ]] && is_alive "$XVFB_PID"; then
        kill "$XVFB_PID" 2>/dev/null
        wait "$XVFB_PID" 2>/dev/null
    fi
    [[ -n $DATA_DIR && -d $DATA_DIR ]] && rm -rf "$DATA_DIR"
    summary
    if ((rc == 0)); then echo "windows.sh: all steps passed"; else echo "windows.sh: FAILED (exit $rc)" >&2; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'die "interrupted"' INT TERM

# ---------------------------------------------------------------- steps
APT_PACKAGES=(gcc-mingw-w64-x86-64 wine wine64 xvfb xauth x11-utils imagemagick ca-certificates)

install_tools() {
    local sudo="" missing=() p
    if ((EUID != 0)); then
        command -v sudo >/dev/null || die "not root and no sudo: cannot apt-get install"
        sudo=sudo
    fi
    for p in "${APT_PACKAGES[@]}"; do
        [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) == *'install ok installed'* ]] || missing+=("$p")
    done
    if ((${#missing[@]} == 0)) && [[ ${WINCHECK_SKIP_APT:-0} == 1 ]]; then
        log "all apt packages present, WINCHECK_SKIP_APT=1: skipping apt-get"
    else
        log "apt-get update + install ${APT_PACKAGES[*]}"
        $sudo apt-get update -qq || die "apt-get update failed"
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${APT_PACKAGES[@]}" >/dev/null ||
            die "apt-get install ${APT_PACKAGES[*]} failed"
    fi
    command -v rustup >/dev/null || die "rustup not found (the Rust toolchain must come from rustup)"
    rustup target add "$TARGET" || die "rustup target add $TARGET failed"
    local t
    for t in x86_64-w64-mingw32-gcc wine wineboot wineserver winepath Xvfb import xwininfo; do
        command -v "$t" >/dev/null || die "$t not found after install"
    done
    log "$(wine --version), $(x86_64-w64-mingw32-gcc --version | head -1), $(rustc --version)"
}

make_wineprefix() {
    local shim_dir=$TARGET_DIR/wine-shim
    mkdir -p "$shim_dir"
    log "building the ProcessPrng shim (.ci/wine/bcryptprimitives.c)"
    x86_64-w64-mingw32-gcc -O2 -Wall -Wextra -Werror -shared -s \
        -o "$shim_dir/bcryptprimitives.dll" \
        .ci/wine/bcryptprimitives.c .ci/wine/bcryptprimitives.def -ladvapi32 ||
        die "could not build the wine shim DLL"
    # Read the whole dump first: `objdump | grep -q` under pipefail fails at
    # random when grep exits early and objdump dies of SIGPIPE.
    local dump
    dump=$(x86_64-w64-mingw32-objdump -p "$shim_dir/bcryptprimitives.dll") ||
        die "objdump could not read the shim DLL"
    grep -qw ProcessPrng <<<"$dump" ||
        die "shim DLL does not export ProcessPrng"

    log "creating a fresh WINEPREFIX at $WINEPREFIX"
    if [[ -d $WINEPREFIX ]]; then
        timeout 20 wineserver -k 2>/dev/null || true
        rm -rf "$WINEPREFIX"
    fi
    # wineboot's syswow64 complaint (no 32-bit wine installed) is harmless:
    # everything here is 64-bit.
    timeout 300 wineboot -i >"$TARGET_DIR/wineboot.log" 2>&1 ||
        { cat "$TARGET_DIR/wineboot.log" >&2; die "wineboot -i failed"; }
    timeout 120 wineserver -w || die "wineserver did not settle after wineboot"
    [[ -d $WINEPREFIX/drive_c/windows/system32 ]] || die "no system32 in the new prefix"
    cp "$shim_dir/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
    log "shim installed into $WINEPREFIX/drive_c/windows/system32"
}

cross_build() {
    cargo build --profile "$PROFILE" --target "$TARGET" --locked ||
        die "cargo build --profile $PROFILE --target $TARGET failed"
    local exe
    for exe in "$OUT"/*.exe; do
        [[ -e $exe ]] || die "no .exe in $OUT"
        log "$(basename "$exe"): $(stat -c %s "$exe") bytes ($(du -h "$exe" | cut -f1))"
    done
    [[ -f $OUT/outlet-desk.exe ]] || die "outlet-desk.exe was not built"
    # A user's PC has no mingw runtime: the .exe must not need one.
    local dlls
    dlls=$(x86_64-w64-mingw32-objdump -p "$OUT/outlet-desk.exe" | awk '/DLL Name:/ { print $3 }' | sort -fu | tr '\n' ' ')
    log "outlet-desk.exe imports: $dlls"
    if grep -Eiq 'libgcc|libwinpthread|libstdc\+\+' <<<"$dlls"; then
        die "outlet-desk.exe depends on a mingw runtime DLL: $dlls"
    fi
}

run_tests() {
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine \
        ICED_TEST_BACKEND=tiny-skia ICED_BACKEND=tiny-skia \
        cargo test --profile "$PROFILE" --target "$TARGET" --locked ||
        die "cargo test under wine failed (see the output above)"
}

start_xvfb() {
    local n=${DISPLAY_NUM#:} i
    if [[ -e /tmp/.X$n-lock || -e /tmp/.X11-unix/X$n ]]; then
        die "display $DISPLAY_NUM looks taken (/tmp/.X$n-lock); set WINCHECK_DISPLAY to a free one"
    fi
    Xvfb "$DISPLAY_NUM" -screen 0 1366x768x24 -nolisten tcp >"$TARGET_DIR/xvfb.log" 2>&1 &
    XVFB_PID=$!
    for i in $(seq 50); do
        if DISPLAY=$DISPLAY_NUM xwininfo -root >/dev/null 2>&1; then return 0; fi
        is_alive "$XVFB_PID" || { cat "$TARGET_DIR/xvfb.log" >&2; die "Xvfb $DISPLAY_NUM exited"; }
        sleep 0.2
    done
    die "Xvfb $DISPLAY_NUM did not come up in 10 s"
}

gui_smoke() {
    # A wineserver session (and its explorer.exe desktop) started without
    # DISPLAY has no X11 driver, and a GUI app that joins it keeps running
    # but never shows a window. So: end the tests' session, and run every
    # wine command of this step, winepath included, with DISPLAY set.
    timeout 30 wineserver -k 2>/dev/null || true
    timeout 60 wineserver -w || die "the previous wineserver did not exit"
    start_xvfb
    export DISPLAY=$DISPLAY_NUM
    DATA_DIR=$(mktemp -d /tmp/outlet-desk-wine.XXXXXX)
    local win_data
    win_data=$(winepath -w "$DATA_DIR" 2>/dev/null) || die "winepath failed"
    log "starting outlet-desk.exe on $DISPLAY_NUM, --data-dir $win_data, no ICED_BACKEND (GPU first)"
    rm -f "$SHOT"
    # No ICED_BACKEND: this step checks the fall back to the software
    # renderer, so the caller's environment must not pick one either.
    env -u ICED_BACKEND -u OUTLET_DESK_SOFTWARE_RELAUNCH RUST_LOG="${RUST_LOG:-info}" \
        wine "$OUT/outlet-desk.exe" --data-dir "$win_data" >"$APP_LOG" 2>&1 &
    APP_PID=$!
    sleep "$WAIT_SECS"
    if ! is_alive "$APP_PID"; then
        local rc=0
        wait "$APP_PID" || rc=$?
        APP_PID=""
        echo "---- last lines of $APP_LOG" >&2
        tail -n 40 "$APP_LOG" >&2
        die "outlet-desk.exe exited within ${WAIT_SECS}s (exit status $rc)"
    fi
    log "still running after ${WAIT_SECS}s"

    # The GPU start failed and the client came back up on tiny-skia.
    local app_file_log=$DATA_DIR/outlet-desk.log
    [[ -f $app_file_log ]] || die "no outlet-desk.log in the data dir $DATA_DIR"
    if ! grep -qF "$RELAUNCH_LINE" "$app_file_log"; then
        echo "---- outlet-desk lines of $app_file_log" >&2
        grep -E 'outlet_desk|panicked|wgpu_core' "$app_file_log" | tail -n 20 >&2
        die "no '$RELAUNCH_LINE' in outlet-desk.log: the GPU start did not fail over" \
            "to tiny-skia (did wgpu not fail on this machine, or did the panic abort the process?)"
    fi
    log "log has: $(grep -F "$RELAUNCH_LINE" "$app_file_log" | head -1)"
    grep -qF 'renderer: software (tiny-skia)' "$app_file_log" ||
        die "relaunch logged, but no relaunched client logged 'renderer: software (tiny-skia)'"
    grep -Eq '^renderer *= *"software"' "$DATA_DIR/config.toml" 2>/dev/null ||
        die "config.toml in the data dir does not say renderer = \"software\" after the relaunch"
    log "config.toml: $(grep -E '^renderer' "$DATA_DIR/config.toml")"

    log "windows on $DISPLAY_NUM:"
    local wins
    wins=$(xwininfo -root -children | grep '^ *0x.*"' || true)
    head -20 <<<"$wins"
    import -window root "$SHOT" || die "screenshot failed"
    local colours
    colours=$(identify -format '%k' "$SHOT") || die "cannot read $SHOT"
    log "screenshot: $SHOT ($(identify -format '%wx%h' "$SHOT"), $colours colours)"
    # A bare Xvfb root is one colour; a drawn login screen has many.
    ((colours > 8)) || die "screenshot is (nearly) blank: nothing was drawn"
    # The process whose GPU start panicked leaves its window behind,
    # unmapped, while it waits for the relaunched one: only a viewable
    # window counts.
    local id shown=""
    for id in $(grep '("outlet-desk.exe" "outlet-desk.exe") *[0-9][0-9][0-9]*x[0-9][0-9][0-9]*+' <<<"$wins" |
        awk '{ print $1 }'); do
        if [[ $(xwininfo -id "$id" 2>/dev/null || true) =~ Map\ State:\ *IsViewable ]]; then shown=$id; break; fi
    done
    [[ -n $shown ]] || die "no viewable outlet-desk.exe window of at least 100x100 on $DISPLAY_NUM"
    log "outlet-desk.exe window $shown is viewable"
    log "stopping outlet-desk.exe"
    kill "$APP_PID" 2>/dev/null || true
    timeout 20 wineserver -k 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
    APP_PID=""
    kill "$XVFB_PID" 2>/dev/null || true
    wait "$XVFB_PID" 2>/dev/null || true
    XVFB_PID=""
    unset DISPLAY
    log "app log: $APP_LOG"
}

PHASE=${1:-all}
case $PHASE in
all | build | check) ;;
*) die "usage: $0 [all|build|check]" ;;
esac
if [[ $PHASE != check ]]; then
    step "install tools" install_tools
    step "wine prefix + ProcessPrng shim" make_wineprefix
    step "cross-build ($PROFILE)" cross_build
fi
if [[ $PHASE != build ]]; then
    [[ -d $WINEPREFIX/drive_c/windows/system32 ]] || die "no wine prefix at $WINEPREFIX: run '$0 build' first"
    step "tests under wine" run_tests
    step "GUI smoke (Xvfb + wine)" gui_smoke
fi
