"""The Neptune detector's scorer for Python: Arrow batches, pandas frames and files.

The same Rust library as the ``neptune`` command-line program reads, checks, encodes and scores
every row, so a number gives the score its text gives in ``neptune score``.

>>> import pyarrow.csv, neptune_detector
>>> batch = pyarrow.csv.read_csv("Test_Data.csv").to_batches()[0]
>>> scored = neptune_detector.score_arrow(batch)
>>> scored.schema.field("attack_score").type, scored.schema.field("predicted_attack").type
(DataType(double), DataType(int8))
"""

from __future__ import annotations

import json
import os
from typing import Any, Mapping, Optional

import pyarrow as pa

from . import _native

__all__ = [
    "score_arrow",
    "score_pandas",
    "score_file",
    "model_card",
    "explain",
    "SCORE_COLUMNS",
    "REASON_COLUMN",
]

#: The two columns every scored batch gains.
SCORE_COLUMNS = ("attack_score", "predicted_attack")
#: The column ``reasons=True`` adds: why a row could not be scored (null for a scored row).
REASON_COLUMN = "reject_reason"


def score_arrow(
    batch: pa.RecordBatch, threshold: Optional[float] = None, reasons: bool = False
) -> pa.RecordBatch:
    """Scores every row of ``batch`` and returns its columns plus ``attack_score`` (float64, the
    probability of Neptune) and ``predicted_attack`` (int8: 1 when the score reaches the
    threshold, the model's own when ``threshold`` is None).

    The 41 feature columns are found by name: the KDD names (``srcbytes``), the snake_case ones
    (``src_bytes``) in any case or with ``-`` or spaces, or generic names read by position
    (``0..40``); in any order; other columns pass through untouched. Numeric features may be
    integer, floating-point, decimal or text columns; categories (``protocol_type``, ``service``,
    ``flag``) text or dictionary columns.

    A row that cannot be scored (a null, a negative count, a rate above 1, text that is no
    number) is kept, with nulls in both columns; with ``reasons=True`` a third column
    ``reject_reason`` says why (null for scored rows). Raises ``ValueError`` only for a batch
    unusable as a whole: feature columns missing, categories label-encoded as numbers, a column
    of a type that holds no feature, or score columns already present.

    Numbers are read from the Arrow buffers in place and the GIL is released while scoring.
    """
    if isinstance(batch, pa.Table):
        raise TypeError("score_arrow takes a RecordBatch: use score_table for a Table")
    return _native.score_arrow(batch, threshold, reasons)


def score_table(
    table: pa.Table, threshold: Optional[float] = None, reasons: bool = False
) -> pa.Table:
    """``score_arrow`` over each batch of a ``pyarrow.Table``."""
    batches = [score_arrow(b, threshold, reasons) for b in table.to_batches()]
    if not batches:
        empty = pa.RecordBatch.from_pylist([], schema=table.schema)
        return pa.Table.from_batches([score_arrow(empty, threshold, reasons)])
    return pa.Table.from_batches(batches)


def score_pandas(df, threshold: Optional[float] = None, reasons: bool = False):
    """Scores a pandas DataFrame: a new frame with its columns (and index) plus
    ``attack_score`` (float64, NaN for a row that could not be scored) and
    ``predicted_attack`` (pandas' nullable ``Int8``, <NA> for such a row); ``reasons`` as in
    :func:`score_arrow`."""
    import pandas as pd

    table = pa.Table.from_pandas(df, preserve_index=False).combine_chunks()
    scored = score_table(table, threshold, reasons)
    out = df.copy()
    out["attack_score"] = scored.column("attack_score").to_numpy()
    # float64 with NaN for nulls, then the nullable Int8 (NaN becomes <NA>).
    out["predicted_attack"] = pd.array(scored.column("predicted_attack").to_numpy(), dtype="Int8")
    if reasons:
        out[REASON_COLUMN] = scored.column(REASON_COLUMN).to_pylist()
    return out


def score_file(
    path: "os.PathLike[str] | str",
    out: "os.PathLike[str] | str",
    threshold: Optional[float] = None,
) -> dict:
    """Scores the CSV (or gzip-compressed CSV) file ``path`` into ``out``: the very bytes
    ``neptune score PATH -o OUT`` writes. Returns the summary (rows, scored, flagged, rejected,
    the first rejected rows with their line and reason, ...). Raises ``ValueError`` for a file
    unusable as a whole (``out`` is then left as it was), ``OSError`` when reading or writing
    fails."""
    return json.loads(_native.score_file(os.fspath(path), os.fspath(out), threshold))


def model_card() -> dict:
    """The embedded model's card: how it was trained, its threshold, its figures on held-out
    rows, the category names it knows."""
    return json.loads(_native.model_card())


def explain(row: Any) -> dict:
    """Why one row got its score: ``{"score", "base", "threshold", "effects": [{"feature",
    "effect", "value"}, ...]}``, largest effects first (``base`` plus the effects is the score).

    ``row``: a mapping of column names to values (a dict, a pandas Series), or a one-row
    ``pyarrow.RecordBatch`` or pandas DataFrame. Raises ``ValueError`` when the row cannot be
    scored, with the reason."""
    if isinstance(row, (pa.RecordBatch, pa.Table)) or hasattr(row, "to_dict") and hasattr(
        row, "columns"
    ):
        rows = row.to_pylist() if isinstance(row, (pa.RecordBatch, pa.Table)) else row.to_dict(
            "records"
        )
        if len(rows) != 1:
            raise ValueError(f"explain takes one row, not {len(rows)}")
        row = rows[0]
    if not isinstance(row, Mapping):
        row = dict(row)
    names = [str(name) for name in row.keys()]
    values = [_plain(v) for v in row.values()]
    return json.loads(_native.explain(names, values))


def _plain(value: Any) -> Any:
    """A value as None, str or a number (numpy scalars and pandas' missing values included)."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (ImportError, TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        return value.item()
    return value
