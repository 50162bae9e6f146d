#!/usr/bin/env bash
# Installs what building (and, with `test`, testing) needs and is not on this machine yet:
# the wasm32 target, wasm-bindgen-cli at Cargo.lock's wasm-bindgen version, wasm-pack, the npm
# packages, and for tests Debian's chromium. Skips whatever is already there.
# Usage: scripts/setup.sh [build|test|python]
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-build}
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# ---- python: the Python package's test environment (`scripts/setup.sh python`) --------------
# python/.venv with python/requirements-test.txt's exact pins (maturin, pyarrow, pandas, pytest,
# pyspark), and a Java runtime for Spark. Only this block runs for `python`.
if [ "$what" = python ]; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    say "installing python3-venv"
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  fi
  if ! command -v java >/dev/null; then
    say "installing a Java runtime for Spark (openjdk-17-jre-headless)"
    apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null
  fi
  if [ ! -x python/.venv/bin/python ]; then
    say "creating python/.venv"
    python3 -m venv python/.venv
  fi
  # The pins installed last are kept beside the venv; a change of the file reinstalls.
  if ! cmp -s python/requirements-test.txt python/.venv/requirements-test.txt; then
    say "installing python/requirements-test.txt into python/.venv (pyspark is a large download)"
    python/.venv/bin/pip install --quiet --disable-pip-version-check -r python/requirements-test.txt
    cp python/requirements-test.txt python/.venv/requirements-test.txt
  fi
  exit 0
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# wasm-pack uses the wasm-bindgen on PATH only when its version equals Cargo.lock's.
want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (builds from source, a few minutes)"
  # --locked pins its own dependencies; fall back to a fresh resolution when the registry
  # lacks one of them.
  cargo install --locked wasm-bindgen-cli --version "$want" \
    || cargo install --force wasm-bindgen-cli --version "$want"
fi
if ! command -v wasm-pack >/dev/null; then
  say "installing wasm-pack (builds from source, a few minutes)"
  cargo install --locked wasm-pack || cargo install wasm-pack
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (package-lock.json)"
  npm ci --no-audit --no-fund
fi

if [ "$what" = test ]; then
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    say "installing Debian's chromium and chromium-driver for the browser tests"
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi
