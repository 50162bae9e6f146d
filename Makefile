# Neptune detector. The two commands a newcomer needs:
#   make demo   builds the page and serves it on http://127.0.0.1:8080/
#   make test   runs every test (native, wasm bindings, the page in headless Chromium)
# Each installs what the machine lacks first (scripts/setup.sh).

SHELL := /bin/bash
PORT ?= 8080
WASM_OPT := node_modules/.bin/wasm-opt
WASM_FEATURES := --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
                 --enable-mutable-globals --enable-reference-types --enable-multivalue --enable-simd

.PHONY: all setup setup-test setup-python test-python native wasm dist demo test test-native test-debug test-wasm test-e2e lint bench fuzz clean

all: dist

setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

setup-python:
	@scripts/setup.sh python

native:
	cargo build --release

## pkg/: the wasm module and its JavaScript glue (wasm-pack --target web), optimized by wasm-opt.
wasm: setup
	@echo "==> building the wasm module (wasm-pack --target web)"
	wasm-pack build --release --target web --out-dir pkg --no-typescript --no-pack -- --no-default-features
	@echo "==> optimizing it (wasm-opt from npm's binaryen; Debian's is too old)"
	$(WASM_OPT) -O3 $(WASM_FEATURES) pkg/neptune_bg.wasm -o pkg/neptune_bg.wasm

## dist/: the static site, and dist/neptune.html, one self-contained file that works from disk.
dist: wasm
	@echo "==> assembling dist/"
	rm -rf dist target/site && mkdir -p dist target/site
	cp www/* pkg/neptune.js pkg/neptune_bg.wasm target/site/
	node scripts/build-site.mjs target/site dist
	node scripts/build-single.mjs target/site dist/neptune.html
	@ls -l dist | tail -n +2
	@echo "==> gzipped size of the site: $$(cat dist/index.html dist/*.js dist/*.css dist/*.wasm | gzip -9 | wc -c) bytes"

demo: dist
	@echo "==> serving dist/ (Ctrl-C stops); open the URL below"
	node scripts/serve.mjs dist $(PORT)

test: setup-test lint test-native test-debug dist test-wasm test-e2e test-python
	@echo "==> all tests passed"

lint: setup
	@echo "==> cargo fmt --check, cargo clippy (native and wasm32), cargo doc (warnings denied)"
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --no-default-features -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --lib --quiet
	@echo "==> eslint (the page, the browser tests, the scripts)"
	node_modules/.bin/eslint .
	@echo "==> tsc --noEmit (the same JavaScript type-checked: the page, its worker, the tests and scripts)"
	node_modules/.bin/tsc -p tsconfig.json
	node_modules/.bin/tsc -p tsconfig.worker.json
	node_modules/.bin/tsc -p tsconfig.node.json

test-native:
	@echo "==> native tests (cargo test)"
	cargo test --release

## The fast native tests again in a debug build: debug assertions and overflow checks on.
test-debug:
	@echo "==> native tests in a debug build (debug assertions, overflow checks)"
	cargo test --lib --test bad_input --test published --test layouts --test threshold --test chunks --test zeek

## The bindings, in headless Chromium through chromedriver.
test-wasm: setup-test
	@echo "==> wasm-bindgen tests in headless Chromium"
	CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=120 \
	  wasm-pack test --headless --chrome --release -- --no-default-features --test web

test-e2e: dist
	@echo "==> browser end-to-end tests (playwright-core + Debian chromium)"
	node --test --test-concurrency=1 tests/e2e/

## The Python package (python/): its wheel built by maturin and installed into python/.venv, then
## pytest: the package against the CLI, and the Spark example in local[2].
test-python: setup-python native
	@echo "==> building the Python wheel (maturin) and installing it into python/.venv"
	rm -rf python/target/wheels
	cd python && .venv/bin/maturin build --release --interpreter .venv/bin/python --out target/wheels
	python/.venv/bin/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps python/target/wheels/neptune_detector-*.whl
	@echo "==> Python package tests and the Spark example in local[2] (pytest)"
	cd python/tests && ../.venv/bin/python -m pytest -q -p no:cacheprovider

bench: dist native
	scripts/bench/run.sh

fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	cargo clean
	rm -rf pkg dist
