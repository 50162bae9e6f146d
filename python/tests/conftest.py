"""Shared helpers: where the data and the CLI are, and the CLI's scores to compare with."""

import csv
import math
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
CLI = REPO / "target" / "release" / "neptune"


@pytest.fixture(scope="session")
def test_csv() -> Path:
    path = DATA / "Test_Data.csv"
    if not path.exists():
        pytest.fail(f"{path} is missing: the tests read NSL-KDD's files from ../shared/data")
    return path


@pytest.fixture(scope="session")
def cli() -> Path:
    if not CLI.exists():
        pytest.fail(f"{CLI} is missing: run `cargo build --release` (make test-python does)")
    return CLI


def run_cli(cli: Path, source: Path, out: Path, *extra: str) -> bytes:
    """`neptune score SOURCE -o OUT` and its output's bytes."""
    subprocess.run(
        [str(cli), "score", str(source), "-o", str(out), "--quiet", *extra],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return out.read_bytes()


def cli_columns(cli: Path, source: Path, tmp: Path, *extra: str):
    """The CLI's two score columns of SOURCE, as text, one pair per row ('' for a rejected row)."""
    out = tmp / (source.stem + ".cli.csv")
    run_cli(cli, source, out, *extra)
    with out.open(newline="") as f:
        rows = list(csv.reader(f))
    return [(r[-2], r[-1]) for r in rows[1:]]


def as_cli_text(score) -> str:
    """A score as the CLI writes it: round(score * 1e6) millionths, half away from zero."""
    if score is None:
        return ""
    micros = math.floor(min(max(score, 0.0), 1.0) * 1_000_000.0 + 0.5)
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def package_columns(batch):
    """The package's two score columns as the CLI's text."""
    scores = batch.column("attack_score").to_pylist()
    verdicts = batch.column("predicted_attack").to_pylist()
    return [
        (as_cli_text(s), "" if v is None else str(v)) for s, v in zip(scores, verdicts)
    ]
