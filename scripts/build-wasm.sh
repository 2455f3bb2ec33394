#!/usr/bin/env bash
# Builds the page's WebAssembly modules and their JS glue into www/pkg: the main thread's (page_bg.wasm, page.js),
# the workers' (handwritten_bg.wasm, handwritten.js) and the feeder's (feeder_bg.wasm, feeder.js), with the tools
# `scripts/setup.sh site` installs, in the three steps `wasm-pack build --target web` would run for each:
#   1. the module for wasm32, release profile: the package web (web/Cargo.toml), which links the boundary
#      (web/boundary, src/wasm.rs, optimised for size) and the core (level 3), the package web/page (src/wasm_page.rs
#      and the core's code it reaches) and the package web/feeder (src/wasm_feeder.rs and the core with
#      augmentation); .cargo/config.toml turns on 128-bit SIMD,
#   2. wasm-bindgen, at the version in Cargo.lock, writes the glue for a page that imports ES modules,
#   3. binaryen's wasm-opt (npm package binaryen) at -O3 for speed; it also shrinks the module (-O3 is as small as
#      -Os or -Oz here, within half a kilobyte of gzip, and -O4 larger).
#
# Usage: scripts/build-wasm.sh        (make wasm; scripts/build-site.sh runs it)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PWD/node_modules/.bin:$PATH"

fail() {
  echo "build-wasm: $*" >&2
  exit 1
}

bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
installed=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
[[ $installed == "$bindgen_version" ]] ||
  fail "wasm-bindgen ${installed:-is not installed}, Cargo.lock needs $bindgen_version: run scripts/setup.sh site"
command -v wasm-opt >/dev/null || fail "wasm-opt not found: run npm ci (it comes with the npm package binaryen)"

# The three modules: the page's main thread's (web/page: page.js, page_bg.wasm), the workers' (package web:
# handwritten.js, handwritten_bg.wasm) and the feeder's (web/feeder: feeder.js, feeder_bg.wasm), which alone has
# augmentation. Built by a cargo command each, not one: one would build the core once with the features of all,
# augmentation in the others too.
for module in page:handwritten-page:handwritten_page handwritten:handwritten-web:handwritten_web \
  feeder:handwritten-feeder:handwritten_feeder; do
  IFS=: read -r name package lib <<<"$module"
  cargo build --release --locked -p "$package" --lib --target wasm32-unknown-unknown
  wasm-bindgen --target web --no-typescript --out-dir www/pkg --out-name "$name" \
    "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/$lib.wasm"
  # The producers and target-features sections name the tools and the wasm features used: no browser reads them.
  wasm-opt -O3 --strip-producers --strip-target-features "www/pkg/${name}_bg.wasm" -o "www/pkg/${name}_bg.opt.wasm"
  mv "www/pkg/${name}_bg.opt.wasm" "www/pkg/${name}_bg.wasm"
done
