"""Scores connection records with Spark: CSV or Parquet in, Parquet out, one summary table.

Every partition is scored by the `neptune_detector` package (the Neptune detector's Rust
library) through `mapInArrow`: Spark hands it Arrow batches, it returns them with
`attack_score` (double) and `predicted_attack` (byte) added, and null in both for a row that
could not be scored (with `--reasons`, a `reject_reason` column says why).

    spark-submit examples/spark/score_connections.py INPUT OUTPUT [--format csv|parquet]
        [--threshold T] [--reasons] [--partitions N] [--no-header] [--summary PATH]

INPUT: a file, a folder or a glob of CSV (with a header, unless --no-header: NSL-KDD's
headerless layout) or Parquet files. OUTPUT: a Parquet folder. The summary (rows, flagged,
rejected) is printed and written as a one-row Parquet table (default: OUTPUT_summary).
The package must be installed on the executors: see docs/SPARK.md.
"""

from __future__ import annotations

import argparse
import sys

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--format", choices=["csv", "parquet"], help="default: from INPUT's name")
    parser.add_argument("--threshold", type=float, help="default: the model's own")
    parser.add_argument("--reasons", action="store_true", help="add a reject_reason column")
    parser.add_argument("--partitions", type=int, help="repartition the input first")
    parser.add_argument("--no-header", action="store_true", help="CSV without a header line")
    parser.add_argument("--summary", help="where to write the summary (default OUTPUT_summary)")
    parser.add_argument("--master", help="e.g. local[2] (default: spark-submit's)")
    return parser.parse_args(argv)


def read_connections(spark: SparkSession, path: str, fmt: str, header: bool) -> DataFrame:
    if fmt == "parquet":
        return spark.read.parquet(path)
    # Every column as text: the package checks and parses each field as `neptune score` does,
    # so scores are the CLI's and a bad value rejects its row, not the job.
    frame = spark.read.option("header", header).option("inferSchema", False).csv(path)
    if not header:
        # Spark names them _c0, _c1, ...: numbers are read by position in NSL-KDD's order.
        frame = frame.toDF(*[str(i) for i in range(len(frame.columns))])
    return frame


def scored_schema(schema: T.StructType, reasons: bool) -> T.StructType:
    fields = list(schema.fields) + [
        T.StructField("attack_score", T.DoubleType(), True),
        T.StructField("predicted_attack", T.ByteType(), True),
    ]
    if reasons:
        fields.append(T.StructField("reject_reason", T.StringType(), True))
    return T.StructType(fields)


def scorer(threshold, reasons):
    """The function mapInArrow runs on each partition's Arrow batches (on the executors)."""

    def score(batches):
        import neptune_detector

        for batch in batches:
            yield neptune_detector.score_arrow(batch, threshold=threshold, reasons=reasons)

    return score


def score(frame: DataFrame, threshold=None, reasons=False) -> DataFrame:
    return frame.mapInArrow(scorer(threshold, reasons), scored_schema(frame.schema, reasons))


def summarize(scored: DataFrame) -> DataFrame:
    return scored.agg(
        F.count(F.lit(1)).alias("rows"),
        F.coalesce(F.sum(F.col("predicted_attack").cast("long")), F.lit(0)).alias("flagged"),
        F.count(F.when(F.col("attack_score").isNull(), 1)).alias("rejected"),
    )


def main(argv=None) -> int:
    args = arguments(sys.argv[1:] if argv is None else argv)
    fmt = args.format or ("parquet" if args.input.rstrip("/").endswith(".parquet") else "csv")
    builder = SparkSession.builder.appName("neptune-score")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    frame = read_connections(spark, args.input, fmt, not args.no_header)
    if args.partitions:
        frame = frame.repartition(args.partitions)
    score(frame, args.threshold, args.reasons).write.mode("overwrite").parquet(args.output)
    # The summary from the written rows: the data is not scored twice.
    summary = summarize(spark.read.parquet(args.output))
    summary.show()
    summary_path = args.summary or args.output.rstrip("/") + "_summary"
    summary.coalesce(1).write.mode("overwrite").parquet(summary_path)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
