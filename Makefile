# The two commands:
#   make serve   installs what building the site needs, builds the wasm and the site, serves it and prints the address
#   make test    installs what the tests need too, then lint + native tests + wasm tests in Firefox and Chromium
#                + end-to-end
# Every target that needs a tool depends on `setup-site` (the wasm32 target, wasm-bindgen-cli, npm packages) or
# `setup` (those, the browsers and their drivers, wasm-pack), each a quick no-op once installed.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

# wasm-opt comes from the npm package binaryen; cargo tools live in cargo's bin directory. With these on PATH,
# `wasm-pack test` finds geckodriver, chromedriver (/usr/bin) and wasm-bindgen-test-runner and downloads nothing.
export PATH := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
# Port for `make serve` (0 would pick a free one).
PORT ?= 8000

# Put `@$(timed)` first in a recipe: the recipe's commands are traced as they run, and its time printed at the end.
timed = start=$$SECONDS; trap '{ rc=$$?; set +x; } 2>/dev/null; echo "== $@: $$([ $$rc = 0 ] && echo ok || echo FAILED) in $$((SECONDS - start)) s"' EXIT; set -x


.PHONY: help setup setup-site model wide wasm site serve test lint fmt test-native test-wasm test-wasm-firefox test-wasm-chrome test-e2e clean

help:
	@echo "make serve   build everything and serve the demo (prints the address)"
	@echo "make test    run every check: lint, test-native, test-wasm, test-e2e"
	@echo "other targets: setup setup-site wasm site lint fmt test-native test-wasm-firefox test-wasm-chrome test-e2e clean"

## Installs what building the site needs and is missing (wasm32 target, wasm-bindgen-cli, npm packages).
setup-site:
	@scripts/setup.sh site

## Installs everything the tests need and is missing: setup-site's tools, the Debian browsers and chromedriver,
## wasm-pack, geckodriver.
setup:
	@scripts/setup.sh test

## The page's WebAssembly module and its JS glue, in www/pkg.
wasm: setup-site
	@$(timed)
	scripts/build-wasm.sh

## The whole site, wasm + page + data + default model + manifest and icons, in dist/.
site: setup-site
	@$(timed)
	scripts/build-site.sh

## Builds the site and serves it on 127.0.0.1:$(PORT), printing the address.
serve: site
	node scripts/serve.mjs dist $(PORT)

test: lint test-native test-wasm test-e2e
	@echo "== make test: all suites passed"

## rustfmt and clippy (warnings denied): every target natively and for wasm32 (where the native-only ones compile
## to nothing and src/wasm.rs and tests/web.rs are in); the library's documentation with its private items, and the
## three wasm boundaries', every link resolved (rustdoc's warnings denied); ESLint on the page's, the scripts' and the
## tests' JavaScript (eslint.config.mjs); the page's string tables against the keys its HTML and JS use
## (tests/i18n.test.mjs); every file the README and docs/*.md name exists (tests/docs.test.mjs).
lint: setup-site
	@$(timed)
	cargo fmt --all --check
	cargo clippy --all-targets --locked -- -D warnings
	cargo clippy --all-targets --locked --target wasm32-unknown-unknown -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked --lib -p handwritten --document-private-items
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked --target wasm32-unknown-unknown -p handwritten-wasm \
		-p handwritten-page -p handwritten-feeder
	node_modules/.bin/eslint --max-warnings 0 .
	node --test tests/i18n.test.mjs tests/docs.test.mjs

fmt:
	cargo fmt --all

## Unit, integration and doc tests of the library and the CLI, exactly as a Rust developer types it (Cargo.toml's
## test profile optimises, so that MNIST training takes seconds).
test-native: setup
	@$(timed)
	cargo test

## tests/web.rs compiled to wasm and run in headless browsers by wasm-bindgen-test, exactly as typed by hand (the
## native-only test files compile to nothing for wasm32; the drivers and the test runner are found on PATH).
test-wasm: test-wasm-firefox test-wasm-chrome

test-wasm-firefox: setup
	@$(timed)
	wasm-pack test --headless --firefox

test-wasm-chrome: setup
	@$(timed)
	wasm-pack test --headless --chrome

## The built site driven in headless Chromium (playwright-core) and Firefox (geckodriver); before it, the page's
## modules Node can run alone (nudge.test.mjs against the built site's wasm).
test-e2e: setup site
	@$(timed)
	node --test --test-concurrency=1 tests/serve.test.mjs tests/feeding.test.mjs tests/nudge.test.mjs tests/modules.test.mjs tests/e2e/*.test.mjs

## Retrains the page's pretrained model, www/models/default.bin (about 4 s of one core).
model: setup-site
	@$(timed)
	cargo run --release --locked -- train --hidden 28 --activation sigmoid --init scaled --batch 32 --lr 0.5 \
		--schedule cosine --epochs 40 --augment --seed 1 --out www/models/default.bin

## Our best single hidden layer: 800 ReLU units, elastic + affine augmentation, cosine schedule, 250 epochs,
## in www/models/wide.bin, the page's second pretrained network (fetched only when chosen); prints its test
## accuracy (0.9944; about 3 minutes of one core). Like `make model`, it rewrites the shipped file bit for bit.
wide: setup
	@$(timed)
	cargo run --release --locked -- train --hidden 800 --activation relu --lr 0.1 --schedule cosine --epochs 250 \
		--augment elastic --seed 1 --out www/models/wide.bin

clean:
	cargo clean
	rm -rf dist www/pkg

## Benchmarks, not tests: ours natively and in headless browsers against the peers in ../shared/peers, one table.
.PHONY: bench
bench: setup
	node scripts/bench.mjs
