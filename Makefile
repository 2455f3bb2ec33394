# The two commands:
#   make serve   installs what is missing, builds the wasm and the site, serves it and prints the address
#   make test    installs what is missing, then lint + native tests + wasm tests in Firefox and Chromium + end-to-end
# Every target that needs a tool depends on `setup`, which is a quick no-op once everything is installed.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

# wasm-opt comes from the npm package binaryen; cargo tools live in ~/.cargo/bin.
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)
# The browser build leaves out the command-line trainer's dependencies.
WASM_FEATURES := --no-default-features
# The drivers the wasm tests use: the installed ones, never a download.
GECKODRIVER ?= $(shell command -v geckodriver || echo $(HOME)/.cargo/bin/geckodriver)
CHROMEDRIVER ?= $(shell command -v chromedriver || echo /usr/bin/chromedriver)
# Port for `make serve` (0 would pick a free one).
PORT ?= 8000

# Put `@$(timed)` first in a recipe: the recipe's commands are traced as they run, and its time printed at the end.
timed = start=$$SECONDS; trap '{ rc=$$?; set +x; } 2>/dev/null; echo "== $@: $$([ $$rc = 0 ] && echo ok || echo FAILED) in $$((SECONDS - start)) s"' EXIT; set -x


.PHONY: help setup model wide wasm site serve test lint fmt test-native test-wasm test-wasm-firefox test-wasm-chrome test-e2e clean

help:
	@echo "make serve   build everything and serve the demo (prints the address)"
	@echo "make test    run every check: lint, test-native, test-wasm, test-e2e"
	@echo "other targets: setup wasm site lint fmt test-native test-wasm-firefox test-wasm-chrome test-e2e clean"

## Installs what is missing (Debian browsers, wasm32 target, wasm-pack, wasm-bindgen-cli, geckodriver, npm packages).
setup:
	@scripts/setup.sh

## The page's WebAssembly module and its JS glue, in www/pkg.
wasm: setup
	@$(timed)
	wasm-pack build --release --target web --no-typescript --no-pack --out-dir www/pkg . $(WASM_FEATURES)

## The whole site, wasm + page + data + default model, in dist/.
site: setup
	@$(timed)
	scripts/build-site.sh

## Builds the site and serves it on 127.0.0.1:$(PORT), printing the address.
serve: site
	node scripts/serve.mjs dist $(PORT)

test: lint test-native test-wasm test-e2e
	@echo "== make test: all suites passed"

## rustfmt and clippy (warnings denied): every native target, and the browser build (the library with src/wasm.rs
## and its browser tests); ESLint on the page's, the scripts' and the tests' JavaScript (eslint.config.mjs); the page's
## string tables against the keys its HTML and JS use (tests/i18n.test.mjs).
lint: setup
	@$(timed)
	cargo fmt --all --check
	cargo clippy --all-targets --locked -- -D warnings
	cargo clippy --lib --test web --locked --target wasm32-unknown-unknown $(WASM_FEATURES) -- -D warnings
	node_modules/.bin/eslint --max-warnings 0 .
	node --test tests/i18n.test.mjs

fmt:
	cargo fmt --all

## Unit, integration and doc tests of the library and the CLI, optimised as in release (MNIST training takes
## seconds) but without release's link-time optimisation, which costs minutes of linking per test binary.
## The profile is defined here, not in Cargo.toml, and builds into target/opttest.
test-native: setup
	@$(timed)
	CARGO_PROFILE_OPTTEST_INHERITS=release CARGO_PROFILE_OPTTEST_LTO=false CARGO_PROFILE_OPTTEST_CODEGEN_UNITS=16 \
		cargo test --profile opttest --locked

## tests/web.rs compiled to wasm and run in headless browsers by wasm-bindgen-test.
test-wasm: test-wasm-firefox test-wasm-chrome

test-wasm-firefox: setup
	@$(timed)
	wasm-pack test --headless --firefox --geckodriver "$(GECKODRIVER)" --release --mode no-install . \
		$(WASM_FEATURES) --locked --test web

test-wasm-chrome: setup
	@$(timed)
	wasm-pack test --headless --chrome --chromedriver "$(CHROMEDRIVER)" --release --mode no-install . \
		$(WASM_FEATURES) --locked --test web

## The built site driven in headless Chromium (playwright-core) and Firefox (geckodriver).
test-e2e: site
	@$(timed)
	node --test --test-concurrency=1 tests/serve.test.mjs tests/e2e/*.test.mjs

## Retrains the page's pretrained model, www/models/default.bin (about 7 s of one core).
model: setup
	@$(timed)
	cargo run --release --locked -- train --hidden 28 --activation sigmoid --init scaled --batch 32 --lr 0.5 \
		--schedule cosine --epochs 40 --augment --seed 1 --out www/models/default.bin

## Our best single hidden layer: 800 ReLU units, elastic + affine augmentation, cosine schedule, 120 epochs,
## in target/wide.bin; prints its test accuracy (0.9925; about 4.5 minutes of one core).
wide: setup
	@$(timed)
	cargo run --release --locked -- train --hidden 800 --activation relu --lr 0.1 --schedule cosine --epochs 120 \
		--augment elastic --seed 1 --out target/wide.bin

clean:
	cargo clean
	rm -rf dist www/pkg

## Benchmarks, not tests: ours natively and in headless browsers against the peers in ../shared/peers, one table.
.PHONY: bench
bench: setup
	node scripts/bench.mjs
