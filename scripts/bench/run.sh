#!/usr/bin/env bash
# `make bench`: the CLI, the page in headless Chromium and the original notebook's Python pipeline,
# measured in one run on the same inputs; prints a table and writes docs/BENCHMARKS.md.
#
#   scripts/bench/run.sh                 the full run (about 15-20 minutes on 2 cores)
#   BENCH_QUICK=1 scripts/bench/run.sh   Test_Data.csv and the 29 MB file only, fewer repeats; writes
#                                        target/bench/BENCHMARKS-quick.md, not docs/
#
# Expects `make dist native` (the Makefile's bench target runs them first). Installs what is missing:
# Debian's chromium, the npm packages, the Python reference environment (bench/.venv, pinned by
# scripts/bench/requirements.txt). Generated inputs live in a mktemp -d folder, deleted at the end;
# raw results stay in target/bench/*.json.
# Environment: NEPTUNE_DATA (default ../shared/data), NEPTUNE_ANCHOR (the anchor page, default
# ../shared/bench/ort-web; scripts/bench/anchor.sh prepares it in bench/ort-web), BENCH_DIST (the site to measure, default dist),
# BENCH_REPORT (where to write the report), BENCH_STRICT=1 (exit 1 when a target is missed).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
quick=${BENCH_QUICK:-0}
data=$(realpath "${NEPTUNE_DATA:-../shared/data}")
test_csv=$data/Test_Data.csv
train_csv=$data/Train_Data.csv
results=$root/target/bench
venv=$root/bench/.venv
neptune=$root/target/release/neptune
dist=${BENCH_DIST:-dist}
started=$(date +%s)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# ---- prerequisites ---------------------------------------------------------------------------
[ -f "$dist/index.html" ] || die "$dist/index.html is missing: run \`make dist\` (or \`make bench\`)"
[ -x "$neptune" ] || die "$neptune is missing: run \`make native\` (or \`make bench\`)"
[ -f "$test_csv" ] && [ -f "$train_csv" ] || die "the NSL-KDD files are missing in $data (set NEPTUNE_DATA)"
if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium"
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d node_modules/playwright-core ]; then
  say "installing npm packages (package-lock.json)"
  npm ci --no-audit --no-fund
fi
python3 -c 'import venv, ensurepip' 2>/dev/null || {
  say "installing python3-venv"
  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
}

mkdir -p "$results"
rm -f "$results"/*.json
tmp=$(mktemp -d "${TMPDIR:-/tmp}/neptune-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM # so that the EXIT trap cleans up on Ctrl-C and kill too

# Measure a snapshot: the machine is shared, and a rebuild of dist/ or of the binary during the
# run must not change what is measured halfway.
mkdir -p "$tmp/site"
cp -R "$dist"/. "$tmp/site/"
cp "$neptune" "$tmp/neptune"
dist=$tmp/site
neptune=$tmp/neptune

cat /proc/loadavg >"$results/loadavg-start.txt"
date -u +%Y-%m-%dT%H:%M:%SZ >"$results/started-at.txt"
{ git rev-parse --short HEAD; [ -z "$(git status --porcelain --untracked-files=no)" ] || echo dirty; } \
  >"$results/commit.txt" 2>/dev/null || true
if [ "$quick" = 1 ]; then
  say "BENCH_QUICK=1: Test_Data.csv and the 29 MB file only, fewer repeats"
  native_runs=5 browser_runs=5 loads=3 python_runs=3 big_runs=2
else
  native_runs=15 browser_runs=7 loads=5 python_runs=7 big_runs=3
fi

# ---- inputs ----------------------------------------------------------------------------------
# Test_Data.csv's rows repeated under one header: x10 (29 MB) and, unless quick, enough copies
# for at least 1 GiB.
test_rows=$(( $(wc -l <"$test_csv") - 1 ))
head -n 1 "$test_csv" >"$tmp/header.csv"
tail -n +2 "$test_csv" >"$tmp/body.csv"
body_bytes=$(stat -c %s "$tmp/body.csv")
make_copies() { # OUT COPIES
  { cat "$tmp/header.csv"; for ((i = 0; i < $2; i++)); do cat "$tmp/body.csv"; done; } >"$1"
}
x10=$tmp/Test_Data_x10.csv
make_copies "$x10" 10
x10_rows=$((test_rows * 10))
if [ "$quick" != 1 ]; then
  copies=$(( (1073741824 + body_bytes - 1) / body_bytes ))
  big=$tmp/Test_Data_x$copies.csv
  say "generating $big ($copies copies of Test_Data.csv's rows)"
  make_copies "$big" "$copies"
  big_rows=$((test_rows * copies))
  ls -l "$big" >&2
fi

# ---- site size -------------------------------------------------------------------------------
say "site size: gzip -9 of each file in dist/"
{
  echo '{"files": ['
  sep=''
  for f in "$dist"/*; do
    [ -f "$f" ] || continue
    printf '%s{"name": "%s", "bytes": %d, "gzip9": %d}' "$sep" "$(basename "$f")" \
      "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
    sep=$',\n'
  done
  echo ']}'
} >"$results/site.json"

# ---- native ----------------------------------------------------------------------------------
say "native: neptune score, end to end"
native() { # NAME FILE RUNS WARMUP
  say "native: $(basename "$2"), $3 runs"
  python3 scripts/bench/native.py --neptune "$neptune" --input "$2" --runs "$3" --warmup "$4" \
    --out-dir "$tmp" --json "$results/native-$1.json"
}
# A one-row file: the fixed cost of a run (process start, model decoding), for reading the
# small-file figures.
head -n 2 "$test_csv" >"$tmp/one_row.csv"
native startup "$tmp/one_row.csv" "$native_runs" 1
native test "$test_csv" "$native_runs" 1
say "native: each stage on one core (neptune bench-stages)"
"$neptune" bench-stages "$test_csv" --runs 15 >"$results/stages-test.json"
native x10 "$x10" "$((native_runs < 10 ? native_runs : 10))" 1
# The large file is in the page cache already (just written): no warm-up run.
[ -n "${big:-}" ] && native big "$big" 3 0

# A Zeek conn.log as large as the x10 file: the real lab capture repeated with shifted times
# (scripts/bench/zeek_copies.py). Read by one scorer in start order, so its rate is one core's.
zeek_log=$data/zeek/zeekids_0621.conn.log
if [ -f "$zeek_log" ]; then
  zeek_copies=$(( ($(stat -c %s "$x10") + $(stat -c %s "$zeek_log") - 1) / $(stat -c %s "$zeek_log") ))
  conn=$tmp/zeekids_x$zeek_copies.conn.log
  say "generating $conn ($zeek_copies copies of $(basename "$zeek_log"), times shifted)"
  python3 scripts/bench/zeek_copies.py --input "$zeek_log" --copies "$zeek_copies" --out "$conn"
  conn_rows=$(( $(grep -vc '^#' "$zeek_log") * zeek_copies ))
  say "native: $(basename "$conn")"
  python3 scripts/bench/native.py --neptune "$neptune" --input "$conn" --rows "$conn_rows" \
    --runs "$((native_runs < 10 ? native_runs : 10))" --warmup 1 --out-dir "$tmp" \
    --json "$results/native-zeek.json"
fi

# ---- browser ---------------------------------------------------------------------------------
say "browser: the page in headless Chromium (a copy of dist/ served on localhost)"
browser_args=(--dist "$dist" --test "$test_csv" --test-rows "$test_rows" --loads "$loads"
  --runs "$browser_runs" --big-runs "$big_runs" --big "$x10" --big-rows "$x10_rows")
[ -n "${big:-}" ] && browser_args+=(--big "$big" --big-rows "$big_rows")
[ -n "${conn:-}" ] && browser_args+=(--big "$conn" --big-rows "$conn_rows")
# The anchor page (PapaParse + onnxruntime-web running the seed's XGBoost), timed beside ours.
anchor_src=${NEPTUNE_ANCHOR:-$data/../bench/ort-web}
if [ -f "$anchor_src/index.html" ]; then
  if anchor=$(scripts/bench/anchor.sh "$anchor_src" "$data"); then
    browser_args+=(--anchor "$anchor")
  else
    say "the anchor page could not be prepared: measured without it"
  fi
else
  say "no anchor page in $anchor_src (set NEPTUNE_ANCHOR): measured without it"
fi
node scripts/bench/browser.mjs "${browser_args[@]}" --json "$results/browser.json"

# ---- the Python reference --------------------------------------------------------------------
stamp=$venv/.requirements.sha256
want=$(sha256sum scripts/bench/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "python: creating bench/.venv with scripts/bench/requirements.txt (pinned, from PyPI)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r scripts/bench/requirements.txt
  echo "$want" >"$stamp"
fi
# Single-threaded, like the CLI and the page's one worker (n_jobs=1 in the script too).
py=(env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 "$venv/bin/python" scripts/bench/python_pipeline.py)
say "python: training XGBClassifier on Train_Data.csv (not timed)"
"${py[@]}" train --data "$train_csv" --model-dir "$tmp/xgb"
python_score() { # NAME FILE RUNS
  say "python: $(basename "$2"), up to $3 runs"
  "${py[@]}" score --model-dir "$tmp/xgb" --input "$2" --runs "$3" --max-seconds 180 \
    --out-dir "$tmp" --json "$results/python-$1.json"
}
python_score test "$test_csv" "$python_runs"
python_score x10 "$x10" 5
if [ -n "${big:-}" ]; then
  avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
  if [ "$avail_kb" -ge $((14 * 1024 * 1024)) ]; then
    python_score big "$big" 3
  else
    say "python: skipping the large file: only $((avail_kb / 1024)) MiB available, pandas needs about 14 GiB"
    echo "{\"skipped\": \"only $((avail_kb / 1024)) MiB of memory available\"}" >"$results/python-big.json"
  fi
fi

# ---- training in the page (issue 14) -----------------------------------------------------------
if [ "$quick" != 1 ]; then
  say "training in the page on Train_Data.csv (scripts/bench/train-page.mjs), native beside it"
  node scripts/bench/train-page.mjs --dist "$dist" --data "$train_csv" --cli "$neptune" --runs 3 \
    --json "$results/train-page.json" | tee "$results/train-page.txt" >&2
fi

# ---- the Python package and Spark (issue 15) ---------------------------------------------------
# Its own script (it builds the wheel into python/.venv): the package's rows/s on Arrow batches on
# one thread, the CLI's on one core, Spark local[2] on a 1 GB file and Spark's fixed overhead.
if [ "$quick" != 1 ] && [ "${BENCH_PYTHON_PACKAGE:-1}" = 1 ]; then
  say "python package and Spark local[2] (scripts/bench/python.sh, about 8 minutes)"
  scripts/bench/python.sh | tee "$results/python-package.txt" >&2
fi

# ---- report ----------------------------------------------------------------------------------
cat /proc/loadavg >"$results/loadavg-end.txt"
echo "$(( $(date +%s) - started ))" >"$results/duration-seconds.txt"
if [ "$quick" = 1 ]; then
  report=${BENCH_REPORT:-$results/BENCHMARKS-quick.md}
else
  report=${BENCH_REPORT:-docs/BENCHMARKS.md}
fi
say "report: $report"
node scripts/bench/report.mjs --results "$results" --out "$report" --quick "$quick"
