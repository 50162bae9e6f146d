#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ one after the other, each for a fixed time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#   make fuzz FUZZ_SECONDS=300
#
# Each target starts from its committed seeds (fuzz/seeds/TARGET; `score` and `fast_path` share
# `reader`'s: all take a CSV file) and a scratch corpus that
# grows across runs (fuzz/corpus/TARGET, not committed). A crash, timeout or out-of-memory input
# is written to fuzz/artifacts/TARGET/; the script names it, goes on with the other targets, and
# exits non-zero at the end. Installs cargo-fuzz when it is missing; needs no terminal.
#
# Environment:
#   FUZZ_FLAGS              extra libFuzzer flags for every target (e.g. "-max_len=65536")
set -uo pipefail

# The seed folder of a target: `score` reads the same CSV files as `reader`.
seeds_of() { case "$1" in score | fast_path) echo reader ;; *) echo "$1" ;; esac; }

cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

SECONDS_PER_TARGET="${1:-60}"
shift || true
if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || [ "$SECONDS_PER_TARGET" -lt 1 ]; then
    echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
fi
ALL_TARGETS=(reader score fast_path parts model model_mutate)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
for t in "${TARGETS[@]}"; do
    if [ ! -f "fuzz/fuzz_targets/$t.rs" ]; then
        echo "no fuzz target named '$t' (there are: ${ALL_TARGETS[*]})" >&2
        exit 2
    fi
done

log() { printf '==> %s\n' "$*"; }

# --- cargo-fuzz ---------------------------------------------------------------------------------
if ! cargo fuzz --version >/dev/null 2>&1; then
    log "installing cargo-fuzz"
    cargo install --locked cargo-fuzz || cargo install cargo-fuzz || {
        echo "cannot install cargo-fuzz" >&2
        exit 1
    }
fi

# --- a toolchain that takes -Z flags (cargo-fuzz passes -Zsanitizer=address and friends) -------
CARGO_FUZZ=()
if command -v rustup >/dev/null 2>&1 && rustup toolchain list 2>/dev/null | grep -q '^nightly' \
    && cargo +nightly --version >/dev/null 2>&1 && rustc +nightly --version >/dev/null 2>&1; then
    CARGO_FUZZ=(cargo +nightly fuzz)
    log "toolchain: $(rustc +nightly --version)"
else
    # Stable can build with nightly features when told it is bootstrapping the compiler.
    export RUSTC_BOOTSTRAP=1
    CARGO_FUZZ=(cargo fuzz)
    log "toolchain: $(rustc --version) with RUSTC_BOOTSTRAP=1 (no nightly installed)"
fi
# How to run the same command by hand (for the reproduce/minimize hints).
SHOWN="${CARGO_FUZZ[*]}"
[ -n "${RUSTC_BOOTSTRAP:-}" ] && SHOWN="RUSTC_BOOTSTRAP=1 $SHOWN"

# --- build every target once, so that the time given is spent fuzzing --------------------------
LOG_DIR=fuzz/artifacts/logs
mkdir -p "$LOG_DIR"
BUILD_LOG="$LOG_DIR/build.log"
log "building the fuzz targets (release, debug assertions, AddressSanitizer)"
# `cargo fuzz build` takes one target, or none for all of them.
build_args=()
[ "${#TARGETS[@]}" -eq 1 ] && build_args=("${TARGETS[0]}")
if ! "${CARGO_FUZZ[@]}" build "${build_args[@]}" </dev/null >"$BUILD_LOG" 2>&1; then
    tail -n 40 "$BUILD_LOG" >&2
    echo "the fuzz targets do not build (log: $BUILD_LOG)" >&2
    exit 1
fi

# --- run ----------------------------------------------------------------------------------------
LIMITS=(-rss_limit_mb=1024 -malloc_limit_mb=512 -timeout=10 -print_final_stats=1)
read -r -a EXTRA <<<"${FUZZ_FLAGS:-}"
failed=()
report=()
for t in "${TARGETS[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    flags=("-max_total_time=$SECONDS_PER_TARGET" "${LIMITS[@]}")
    case "$t" in
        reader | score | fast_path | parts) flags+=("-dict=fuzz/dicts/csv.dict") ;;
    esac
    logfile="$LOG_DIR/$t.log"
    log "fuzzing '$t' for ${SECONDS_PER_TARGET}s (log: $logfile)"
    start=$(date +%s)
    # A hard stop well past -max_total_time, in case the fuzzer itself hangs.
    timeout --kill-after=30 $((SECONDS_PER_TARGET + 300)) \
        "${CARGO_FUZZ[@]}" run "$t" "fuzz/corpus/$t" "fuzz/seeds/$(seeds_of "$t")" -- "${flags[@]}" "${EXTRA[@]}" \
        </dev/null >"$logfile" 2>&1
    status=$?
    elapsed=$(($(date +%s) - start))

    final_stat() { sed -n "s/^stat::$1: *//p" "$logfile" | tail -n 1; }
    execs=$(final_stat number_of_executed_units)
    rate=$(final_stat average_exec_per_sec)
    cov=$(grep -oE '(DONE|pulse|NEW|REDUCE|INITED) +cov: [0-9]+' "$logfile" | tail -n 1 | grep -oE '[0-9]+$')
    corpus=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$logfile" | tail -n 1 | cut -d' ' -f2)
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$logfile" | tail -n 1)
    line=$(printf '%-13s %4ss  %10s execs  %6s exec/s  cov %-5s corpus %s' "$t" "$elapsed" \
        "${execs:-?}" "${rate:-?}" "${cov:-?}" "${corpus:-?}")
    if [ $status -ne 0 ] || [ -n "$artifact" ]; then
        kind=$(grep -m1 -oE 'panicked at [^ ]+|ERROR: libFuzzer: [a-z-]+|ERROR: AddressSanitizer: [a-z-]+' "$logfile")
        line="$line  FAILED (exit $status${kind:+: $kind})"
        [ -n "$artifact" ] && line="$line
              artifact: $artifact
              reproduce: $SHOWN run $t $artifact
              minimize:  $SHOWN tmin $t $artifact"
        # The artifact is gone with the machine (a CI run): a small one is printed, so that the
        # input can be rebuilt from the log (`base64 -d > crash.bin`).
        if [ -n "$artifact" ] && [ -f "$artifact" ] && [ "$(wc -c <"$artifact")" -le 8192 ]; then
            line="$line
              input (base64): $(base64 -w0 "$artifact")"
        fi
        failed+=("$t")
    fi
    report+=("$line")
    echo "$line"
    if [ $status -ne 0 ] || [ -n "$artifact" ]; then
        grep -m1 -A3 -E 'panicked at|ERROR: (libFuzzer|AddressSanitizer)' "$logfile" | cut -c1-300 | sed 's/^/              | /'
    fi
done

echo
log "summary (${SECONDS_PER_TARGET}s per target)"
printf '%s\n' "${report[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]} (logs in $LOG_DIR/)"
    exit 1
fi
echo "no crash in ${#TARGETS[@]} targets"
