"""The package against the CLI: the same scores, the same rejected rows, the same bytes."""

import gzip
import json
import subprocess
import math

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import neptune_detector as nd
from conftest import CLI, as_cli_text, cli_columns, package_columns, run_cli

BAD_VALUES = {
    # column (the KDD name of Test_Data.csv) -> values the CLI rejects or reads specially
    "srcbytes": ["-5", "abc", "", "NaN", "inf", " 7 ", "1.99e+02", "-0", "srcbytes"],
    "serrorrate": ["1.5", "-0.1", "1", "0.999999"],
    "service": ["gopher9", "", "HTTP"],
    "duration": ["1e308", "1e309", "0x10"],
}


def read_all_text(path):
    """Every column as text, as the CSV holds it (empty fields as empty strings)."""
    with open(path, newline="") as f:
        names = f.readline().strip().split(",")
    options = pacsv.ConvertOptions(column_types={n: pa.string() for n in names})
    return pacsv.read_csv(path, convert_options=options).combine_chunks().to_batches()[0]


def typed(path):
    return pacsv.read_csv(path).combine_chunks().to_batches()[0]


@pytest.fixture(scope="module")
def bad_csv(test_csv, tmp_path_factory):
    """Test_Data.csv's first rows, then copies with one bad or unusual value each."""
    lines = test_csv.read_text().splitlines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:41]]
    out = list(rows)
    for column, values in BAD_VALUES.items():
        at = header.index(column)
        for i, value in enumerate(values):
            row = list(rows[i % len(rows)])
            row[at] = value
            out.append(row)
    path = tmp_path_factory.mktemp("fixtures") / "bad.csv"
    path.write_text("\n".join(",".join(r) for r in [header, *out]) + "\n")
    return path


def test_scores_equal_the_clis_on_test_data(cli, test_csv, tmp_path):
    expected = cli_columns(cli, test_csv, tmp_path)
    batch = typed(test_csv)
    assert batch.schema.field("srcbytes").type == pa.int64()
    assert package_columns(nd.score_arrow(batch)) == expected
    # The same file with every column as text (string-typed numbers): the same scores.
    assert package_columns(nd.score_arrow(read_all_text(test_csv))) == expected


def test_a_threshold_moves_the_verdicts_as_the_clis(cli, test_csv, tmp_path):
    expected = cli_columns(cli, test_csv, tmp_path, "--threshold", "0.9")
    assert package_columns(nd.score_arrow(typed(test_csv), threshold=0.9)) == expected
    with pytest.raises(ValueError, match="between 0 and 1"):
        nd.score_arrow(typed(test_csv), threshold=1.5)


def test_bad_rows_are_kept_with_nulls_and_reasons_as_the_cli_rejects_them(cli, bad_csv, tmp_path):
    expected = cli_columns(cli, bad_csv, tmp_path)
    rejected = [i for i, (score, _) in enumerate(expected) if score == ""]
    assert len(rejected) >= 10, "the fixture must hold rows the CLI rejects"
    batch = read_all_text(bad_csv)
    scored = nd.score_arrow(batch, reasons=True)
    assert scored.num_rows == batch.num_rows
    assert package_columns(scored) == expected
    reasons = scored.column("reject_reason").to_pylist()
    assert [i for i, r in enumerate(reasons) if r is not None] == rejected
    assert "`srcbytes`" not in reasons[rejected[0]] or "negative" in reasons[rejected[0]]
    assert any("cannot be negative" in r for r in reasons if r)
    assert any("a rate lies between 0 and 1" in r for r in reasons if r)
    assert any("repeats the header" in r for r in reasons if r)
    # Without reasons: the same scores, no reason column.
    plain = nd.score_arrow(batch)
    assert plain.schema.names == batch.schema.names + ["attack_score", "predicted_attack"]
    assert package_columns(plain) == expected


def test_typed_bad_values_are_rejected_by_the_same_rules(test_csv):
    batch = typed(test_csv).slice(0, 6)
    src = batch.schema.get_field_index("srcbytes")
    rate = batch.schema.get_field_index("serrorrate")
    srcbytes = pa.array([-5, None, 7, 0, 2**60, 3], pa.int64())
    serror = pa.array([0.0, 0.0, math.nan, math.inf, 1.0, 1.0000001], pa.float64())
    bad = batch.set_column(src, "srcbytes", srcbytes).set_column(rate, "serrorrate", serror)
    reasons = nd.score_arrow(bad, reasons=True).column("reject_reason").to_pylist()
    assert reasons[0] == "`src_bytes` is `-5`, but it cannot be negative"
    assert reasons[1] == "`src_bytes` is empty"
    assert "not a finite number" in reasons[2] and "not a finite number" in reasons[3]
    assert reasons[4] is None
    assert "a rate lies between 0 and 1" in reasons[5]


def test_types_and_the_input_columns_passed_through_in_place(test_csv):
    batch = typed(test_csv)
    scored = nd.score_arrow(batch, reasons=True)
    assert scored.schema.field("attack_score").type == pa.float64()
    assert scored.schema.field("predicted_attack").type == pa.int8()
    assert scored.schema.field("reject_reason").type == pa.string()
    assert scored.column("attack_score").null_count == 0
    for i, name in enumerate(batch.schema.names):
        assert scored.schema.names[i] == name
        # Zero-copy: the same Arrow buffers, not a copy.
        assert scored.column(i).buffers()[-1].address == batch.column(i).buffers()[-1].address


def test_other_arrow_types_score_alike(test_csv):
    batch = typed(test_csv).slice(0, 500)
    expected = package_columns(nd.score_arrow(batch))
    columns = []
    for field, column in zip(batch.schema, batch.columns):
        if field.type == pa.int64():
            column = column.cast(pa.uint32())
        elif field.type == pa.float64():
            column = column.cast(pa.float32())  # read as its shortest decimal text
        elif field.type == pa.string():
            column = column.dictionary_encode()
        columns.append(column)
    changed = pa.RecordBatch.from_arrays(columns, names=batch.schema.names)
    assert package_columns(nd.score_arrow(changed)) == expected
    large = pa.RecordBatch.from_arrays(
        [c.cast(pa.large_string()) if c.type == pa.string() else c for c in batch.columns],
        names=batch.schema.names,
    )
    assert package_columns(nd.score_arrow(large)) == expected
    # The package's card is the CLI's (`neptune info`): the same embedded model.
    card = nd.model_card()
    cli_card = json.loads(subprocess.run([str(CLI), "info"], check=True, capture_output=True).stdout)
    assert card["threshold"] == cli_card["threshold"]


def test_unusable_batches_raise_value_error(test_csv):
    batch = typed(test_csv).slice(0, 100)
    with pytest.raises(ValueError, match="src_bytes"):
        nd.score_arrow(batch.drop_columns(["srcbytes"]))
    proto = batch.schema.get_field_index("protocoltype")
    codes = pa.array([6] * batch.num_rows, pa.int64())
    with pytest.raises(ValueError, match="label-encoded"):
        nd.score_arrow(batch.set_column(proto, "protocoltype", codes))
    service = batch.schema.get_field_index("service")
    text_codes = batch.set_column(proto, "protocoltype", pa.array(["1"] * batch.num_rows))
    text_codes = text_codes.set_column(service, "service", pa.array(["17"] * batch.num_rows))
    with pytest.raises(ValueError, match="label-encoded"):
        nd.score_arrow(text_codes)
    with pytest.raises(ValueError, match="already has a column `attack_score`"):
        nd.score_arrow(nd.score_arrow(batch))
    src = batch.schema.get_field_index("srcbytes")
    flags = pa.array([True] * batch.num_rows)
    with pytest.raises(ValueError, match="Arrow type"):
        nd.score_arrow(batch.set_column(src, "srcbytes", flags))


def test_score_file_writes_the_clis_bytes(cli, test_csv, bad_csv, tmp_path):
    for source in [test_csv, bad_csv]:
        expected = run_cli(cli, source, tmp_path / "cli.csv")
        summary = nd.score_file(source, tmp_path / "package.csv")
        assert (tmp_path / "package.csv").read_bytes() == expected
        assert summary["rows"] == expected.count(b"\n") - 1
    compressed = tmp_path / "test.csv.gz"
    compressed.write_bytes(gzip.compress(test_csv.read_bytes()))
    nd.score_file(compressed, tmp_path / "from-gzip.csv")
    assert (tmp_path / "from-gzip.csv").read_bytes() == run_cli(cli, test_csv, tmp_path / "c.csv")
    # An unusable file: ValueError, and the existing output untouched.
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b,c\n1,2,3\n")
    (tmp_path / "keep.csv").write_text("kept")
    with pytest.raises(ValueError, match="neither a header"):
        nd.score_file(junk, tmp_path / "keep.csv")
    assert (tmp_path / "keep.csv").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_score_pandas(test_csv, bad_csv):
    df = pd.read_csv(test_csv)
    df.index = df.index + 1000
    scored = nd.score_pandas(df)
    assert list(scored.index) == list(df.index)
    assert scored["attack_score"].dtype == "float64"
    assert str(scored["predicted_attack"].dtype) == "Int8"
    arrow = nd.score_arrow(typed(test_csv))
    assert scored["attack_score"].tolist() == arrow.column("attack_score").to_pylist()
    bad = pd.read_csv(bad_csv, dtype=str, keep_default_na=False)
    out = nd.score_pandas(bad, reasons=True)
    rejected = out["attack_score"].isna()
    assert rejected.sum() >= 10
    assert out.loc[rejected, "predicted_attack"].isna().all()
    assert out.loc[rejected, "reject_reason"].notna().all()
    assert out.loc[~rejected, "reject_reason"].isna().all()


def test_explain_takes_a_row_apart(test_csv):
    batch = typed(test_csv).slice(0, 3)
    scores = nd.score_arrow(batch).column("attack_score").to_pylist()
    for i, row in enumerate(batch.to_pylist()):
        e = nd.explain(row)
        assert e["score"] == scores[i]
        assert e["base"] + sum(x["effect"] for x in e["effects"]) == pytest.approx(e["score"], abs=1e-3)
    assert nd.explain(batch.slice(0, 1))["score"] == scores[0]
    row = batch.to_pylist()[0]
    row["srcbytes"] = -1
    with pytest.raises(ValueError, match="cannot be negative"):
        nd.explain(row)


def test_empty_batch_and_cli_text_rounding(test_csv):
    empty = typed(test_csv).slice(0, 0)
    scored = nd.score_arrow(empty)
    assert scored.num_rows == 0 and "attack_score" in scored.schema.names
    assert as_cli_text(0.4206) == "0.420600" and as_cli_text(None) == ""
