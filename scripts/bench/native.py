"""Times `neptune score INPUT -o OUTPUT` end to end, as a user runs it: repeated runs, medians.

Usage: native.py --neptune BIN --input FILE --runs N --out-dir TMP --json RESULT.json [--warmup K]

Each run is a fresh process. Wall time is measured around fork/exec/wait with a monotonic clock;
peak RSS is the child's ru_maxrss from wait4(2), the figure GNU time's "Maximum resident set size"
reports. The output goes to a real file in TMP (deleted at the end), since writing is part of the job.
Standard library only, so it runs with any python3.
"""

import argparse
import json
import os
import subprocess
import sys
import time


def run_once(command):
    started = time.perf_counter_ns()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # wait4 reaps the child and returns its resource usage, so no wait() after it.
    _, status, usage = os.wait4(child.pid, 0)
    seconds = (time.perf_counter_ns() - started) / 1e9
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if child.returncode != 0:
        sys.exit(f"native: {' '.join(command)} exited with {child.returncode}: {stderr}")
    return {
        "seconds": seconds,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "peak_rss_bytes": usage.ru_maxrss * 1024,
    }


def rows_of(path):
    """Data rows of a CSV with one header line (the files here have no quoted newlines)."""
    lines = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 24):
            lines += block.count(b"\n")
    return lines - 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--neptune", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--json", required=True)
    parser.add_argument("--rows", type=int, help="data rows, when the file is not a one-header CSV")
    args = parser.parse_args()

    out = os.path.join(args.out_dir, "native-scored.csv")
    command = [args.neptune, "score", args.input, "-o", out, "--quiet"]
    for _ in range(args.warmup):
        run_once(command)
    runs = []
    for i in range(args.runs):
        run = run_once(command)
        runs.append(run)
        print(
            f"native:   run {i + 1}/{args.runs}: {run['seconds'] * 1000:.1f} ms, "
            f"peak RSS {run['peak_rss_bytes'] / 2**20:.1f} MiB",
            file=sys.stderr,
        )
    output_bytes = os.path.getsize(out)
    os.remove(out)
    result = {
        "input": args.input,
        "bytes": os.path.getsize(args.input),
        "rows": args.rows if args.rows is not None else rows_of(args.input),
        "output_bytes": output_bytes,
        "command": " ".join(command),
        "warmup_runs": args.warmup,
        "runs": runs,
    }
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
