"""Benchmark of the Python package against the CLI, and of the Spark example in local[2].

    scripts/bench/python.sh            (builds what it needs, then runs this with python/.venv)

Prints, for Test_Data.csv and a larger file made of Train_Data.csv repeated (BENCH_PY_MB, default
1024 MB):
  - the package's rows/s on Arrow batches on one thread (typed columns as pyarrow reads them, and
    all-text columns as Spark's CSV reader hands them over), the CSV read by pyarrow not counted;
  - the CLI's rows/s on one core (`taskset -c 0 neptune score FILE -o TMP`: on one CPU the CLI
    scores on one thread), reading, parsing and writing the CSV included;
  - the Spark example in local[2] on the larger file, and Spark's fixed overhead (the same job
    on a 100-row file) stated apart.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

import neptune_detector as nd

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("NEPTUNE_DATA", REPO.parent / "shared" / "data"))
CLI = REPO / "target" / "release" / "neptune"
EXAMPLE = REPO / "examples" / "spark" / "score_connections.py"
BATCH_ROWS = 65_536


def best_of(repeats, run):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def batches(path: Path, text: bool):
    options = None
    if text:
        with path.open() as f:
            names = f.readline().strip().split(",")
        options = pacsv.ConvertOptions(column_types={n: pa.string() for n in names})
    table = pacsv.read_csv(path, convert_options=options)
    return table.combine_chunks().to_batches(max_chunksize=BATCH_ROWS), table.num_rows


def package_rate(path: Path, text: bool, repeats: int) -> float:
    parts, rows = batches(path, text)

    def run():
        for batch in parts:
            nd.score_arrow(batch)

    return rows / best_of(repeats, run)


def cli_rate(path: Path, rows: int, out: Path, repeats: int) -> float:
    command = ["taskset", "-c", "0", str(CLI), "score", str(path), "-o", str(out), "--quiet"]
    return rows / best_of(
        repeats, lambda: subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
    )


def spark_seconds(source: Path, out: Path) -> float:
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(EXAMPLE), str(source), str(out), "--master", "local[2]"],
        check=True, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def make_large(folder: Path, megabytes: int) -> tuple[Path, int]:
    train = (DATA / "Train_Data.csv").read_bytes()
    header, body = train.split(b"\n", 1)
    if not body.endswith(b"\n"):
        body += b"\n"
    copies = max(1, megabytes * 1024 * 1024 // len(body))
    path = folder / "large.csv"
    with path.open("wb") as f:
        f.write(header + b"\n")
        for _ in range(copies):
            f.write(body)
    return path, copies * body.count(b"\n")


def main() -> int:
    megabytes = int(os.environ.get("BENCH_PY_MB", "1024"))
    folder = Path(tempfile.mkdtemp(prefix="neptune-bench-py."))
    try:
        test = DATA / "Test_Data.csv"
        test_rows = test.read_bytes().count(b"\n") - 1
        large, large_rows = make_large(folder, megabytes)
        tiny = folder / "tiny.csv"
        tiny.write_bytes(b"".join(test.read_bytes().splitlines(keepends=True)[:101]))
        out = folder / "out.csv"
        lines = [f"{'measure':58} {'rows/s':>12}"]

        def say(what, rate):
            lines.append(f"{what:58} {rate:>12,.0f}")
            print(lines[-1], flush=True)

        print(lines[0])
        for name, path, rows, repeats in [
            ("Test_Data.csv", test, test_rows, 5),
            (f"{large.stat().st_size >> 20} MB file", large, large_rows, 1),
        ]:
            package = package_rate(path, text=False, repeats=repeats)
            say(f"package, Arrow batches, typed, 1 thread: {name}", package)
            say(f"package, Arrow batches, text, 1 thread: {name}",
                package_rate(path, text=True, repeats=repeats))
            cli = cli_rate(path, rows, out, repeats)
            say(f"CLI, 1 core (taskset -c 0): {name}", cli)
            lines.append(f"  package typed / CLI per core: {package / cli:.0%}")
            print(lines[-1], flush=True)
        overhead = spark_seconds(tiny, folder / "tiny.parquet")
        total = spark_seconds(large, folder / "large.parquet")
        say(f"Spark local[2], whole job incl. overhead: {large.stat().st_size >> 20} MB", large_rows / total)
        say("Spark local[2], net of the fixed overhead", large_rows / max(total - overhead, 1e-9))
        print(f"Spark's fixed overhead (the job on 100 rows): {overhead:.1f} s; "
              f"the large job: {total:.1f} s for {large_rows:,} rows")
        print(f"(machine: {os.cpu_count()} cores; CLI {CLI})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
