"""The Spark example in local mode (local[2]) against the CLI, row by row."""

import os
import subprocess
import sys

import pyarrow.parquet as pq

from conftest import REPO, as_cli_text, cli_columns

EXAMPLE = REPO / "examples" / "spark" / "score_connections.py"


def test_the_spark_example_scores_every_row_as_the_cli(cli, test_csv, tmp_path):
    # Test_Data.csv with a row id in front (passed through by both), and a few bad rows.
    lines = test_csv.read_text().splitlines()
    header, rows = lines[0], lines[1:]
    bad = [
        rows[0].replace("0,tcp,", "-1,tcp,", 1),
        ",".join(["1.5" if i == 24 else f for i, f in enumerate(rows[1].split(","))]),
        ",".join(["", *rows[2].split(",")[1:]]),
    ]
    source = tmp_path / "connections.csv"
    numbered = [f"row_id,{header}"] + [f"{i},{row}" for i, row in enumerate(rows + bad)]
    source.write_text("\n".join(numbered) + "\n")
    expected = cli_columns(cli, source, tmp_path)

    out = tmp_path / "scored.parquet"
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    run = subprocess.run(
        [sys.executable, str(EXAMPLE), str(source), str(out), "--master", "local[2]",
         "--partitions", "4", "--reasons"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-4000:]

    table = pq.read_table(out)
    assert table.num_rows == len(expected)
    assert table.schema.field("attack_score").type == "double"
    assert table.schema.field("predicted_attack").type == "int8"
    ids = [int(i) for i in table.column("row_id").to_pylist()]
    scores = table.column("attack_score").to_pylist()
    verdicts = table.column("predicted_attack").to_pylist()
    reasons = table.column("reject_reason").to_pylist()
    got = {}
    for i, score, verdict, reason in zip(ids, scores, verdicts, reasons):
        got[i] = (as_cli_text(score), "" if verdict is None else str(verdict))
        assert (reason is None) == (score is not None)
    assert sorted(got) == list(range(len(expected)))
    mismatches = [i for i, pair in enumerate(expected) if got[i] != pair]
    assert mismatches == [], f"{len(mismatches)} rows differ, first {mismatches[:5]}"

    summary = pq.read_table(tmp_path / "scored.parquet_summary").to_pylist()[0]
    assert summary["rows"] == len(expected)
    assert summary["rejected"] == sum(1 for s, _ in expected if s == "")
    assert summary["flagged"] == sum(1 for _, v in expected if v == "1")
    assert summary["rejected"] == 3
