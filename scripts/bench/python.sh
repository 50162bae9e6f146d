#!/usr/bin/env bash
# The Python package's benchmark (scripts/bench/python_package.py): its rows/s on Arrow batches on one thread,
# the CLI's on one core, and the Spark example in local[2] with Spark's fixed overhead apart.
#   scripts/bench/python.sh                 the larger file is 1 GB (Train_Data.csv repeated)
#   BENCH_PY_MB=256 scripts/bench/python.sh a smaller one
# Builds the CLI and installs the package into python/.venv first (as make test-python does).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh python
cargo build --release --quiet
rm -rf python/target/wheels
(cd python && .venv/bin/maturin build --quiet --release --interpreter .venv/bin/python --out target/wheels)
python/.venv/bin/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
  python/target/wheels/neptune_detector-*.whl
exec python/.venv/bin/python scripts/bench/python_package.py
