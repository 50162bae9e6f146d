#!/usr/bin/env bash
# The anchor page for `make bench`, made ready to serve: what a web developer would build to score
# a connections CSV in the browser without this project (PapaParse + onnxruntime-web running the
# seed's XGBoost, exported to ONNX; see its README). Copies SOURCE into bench/ort-web (gitignored;
# SOURCE itself may be read-only), installs its Python environment (pinned by
# scripts/bench/anchor-requirements.txt) and its npm packages (its package-lock.json), and trains
# its models on DATA/Train_Data.csv (train.py). Done again only when one of those changed.
#
#   scripts/bench/anchor.sh SOURCE DATA    prints the folder to serve
set -euo pipefail
cd "$(dirname "$0")/../.."
src=$(realpath "$1")
data=$(realpath "$2")
dir=$PWD/bench/ort-web
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

[ -f "$src/index.html" ] && [ -f "$src/train.py" ] || { echo "anchor: no anchor page in $src" >&2; exit 1; }
want=$( {
  (cd "$src" && find . -path ./node_modules -prune -o -path ./out -prune -o -path ./.venv -prune -o -type f -print0 |
    sort -z | xargs -0 sha256sum)
  sha256sum scripts/bench/anchor-requirements.txt
  sha256sum "$data/Train_Data.csv" "$data/Test_Data.csv" | cut -d' ' -f1
} | sha256sum | cut -d' ' -f1)
if [ "$(cat "$dir/.ready" 2>/dev/null)" = "$want" ]; then
  echo "$dir"
  exit 0
fi
say "the anchor page: preparing $dir from $src (Python environment, npm packages, its models)"
rm -rf "$dir"
mkdir -p "$dir"
(cd "$src" && tar --exclude=./node_modules --exclude=./out --exclude=./.venv -cf - .) | (cd "$dir" && tar -xf -)
python3 -m venv "$dir/.venv"
"$dir/.venv/bin/pip" install --quiet -r scripts/bench/anchor-requirements.txt
(cd "$dir" && DATA_DIR=$data OMP_NUM_THREADS=1 .venv/bin/python train.py >/dev/null)
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
echo "$want" >"$dir/.ready"
echo "$dir"
