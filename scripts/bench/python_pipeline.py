"""The reference point: the original notebook's pipeline (pandas + one-hot + XGBoost), timed.

Two steps, each its own process so that a scoring run's peak RSS is its own:

  python_pipeline.py train --data Train_Data.csv --model-dir DIR
      Fits xgboost.XGBClassifier (defaults, tree_method="hist", n_jobs=1, random_state=42) on
      pd.get_dummies of protocoltype/service/flag, without lastflag, as the notebook did, and saves
      the booster and the training columns into DIR. Not timed.

  python_pipeline.py score --model-dir DIR --input FILE --runs N --out-dir TMP --json RESULT.json
      Loads the model (not timed), then times N runs of the scoring pipeline in-process:
        read     pandas.read_csv(FILE)
        encode   pd.get_dummies(...) aligned to the training columns (reindex, fill 0)
        predict  predict_proba(...)[:, 1]
        write    the input rows plus attack_score, predicted_attack to a CSV with DataFrame.to_csv
      Python start-up, imports and the model load are outside every timing. Single-threaded:
      n_jobs=1 here, and run.sh sets OMP_NUM_THREADS=1 (and the BLAS equivalents).
      With --max-seconds S, stops after the first run when that run took longer than S.
"""

import argparse
import gc
import json
import os
import platform
import resource
import sys
import time

import numpy as np
import pandas as pd
import xgboost as xgb

CATEGORICAL = ["protocoltype", "service", "flag"]
DROPPED = ["lastflag"]  # the data set's difficulty level, not a property of the connection
LABEL = "attack"
SEED = 42


def encode(frame, columns=None):
    """The notebook's encoding: one-hot of the three categorical columns, lastflag dropped."""
    features = frame.drop(columns=[c for c in DROPPED + [LABEL] if c in frame.columns])
    encoded = pd.get_dummies(features, columns=CATEGORICAL)
    if columns is not None:
        # Categories the training file never had are dropped, missing ones are all zero.
        encoded = encoded.reindex(columns=columns, fill_value=0)
    return encoded


def train(args):
    frame = pd.read_csv(args.data)
    x = encode(frame)
    y = frame[LABEL].astype(int)
    model = xgb.XGBClassifier(tree_method="hist", n_jobs=1, random_state=SEED)
    started = time.perf_counter()
    model.fit(x, y)
    seconds = time.perf_counter() - started
    os.makedirs(args.model_dir, exist_ok=True)
    model.save_model(os.path.join(args.model_dir, "model.ubj"))
    with open(os.path.join(args.model_dir, "columns.json"), "w") as out:
        json.dump(list(x.columns), out)
    accuracy = float((model.predict(x) == y).mean())
    print(
        f"python: trained XGBClassifier on {len(frame)} rows, {x.shape[1]} columns "
        f"in {seconds:.1f} s (training accuracy {accuracy:.5f})",
        file=sys.stderr,
    )


def score_once(model, columns, path, out_path):
    marks = [time.perf_counter()]
    frame = pd.read_csv(path)
    marks.append(time.perf_counter())
    x = encode(frame, columns)
    marks.append(time.perf_counter())
    scores = model.predict_proba(x)[:, 1]
    marks.append(time.perf_counter())
    del x
    frame["attack_score"] = scores
    frame["predicted_attack"] = (scores >= 0.5).astype(np.int8)
    frame.to_csv(out_path, index=False)
    marks.append(time.perf_counter())
    rows = len(frame)
    del frame, scores
    read, enc, pred, write = (b - a for a, b in zip(marks, marks[1:]))
    return {
        "rows": rows,
        "read_s": read,
        "encode_s": enc,
        "predict_s": pred,
        "write_s": write,
        "read_encode_predict_s": read + enc + pred,
        "total_with_write_s": read + enc + pred + write,
    }


def score(args):
    model = xgb.XGBClassifier(n_jobs=1)
    model.load_model(os.path.join(args.model_dir, "model.ubj"))
    with open(os.path.join(args.model_dir, "columns.json")) as f:
        columns = json.load(f)
    out_path = os.path.join(args.out_dir, "python-scored.csv")
    size = os.path.getsize(args.input)
    runs = []
    for i in range(args.runs):
        gc.collect()
        run = score_once(model, columns, args.input, out_path)
        runs.append(run)
        print(
            f"python:   run {i + 1}/{args.runs}: {run['total_with_write_s']:.3f} s "
            f"(read {run['read_s']:.3f}, encode {run['encode_s']:.3f}, "
            f"predict {run['predict_s']:.3f}, write {run['write_s']:.3f})",
            file=sys.stderr,
        )
        if args.max_seconds and run["total_with_write_s"] > args.max_seconds and i == 0:
            print(
                f"python:   one run took over {args.max_seconds:.0f} s: keeping that single run",
                file=sys.stderr,
            )
            break
    os.remove(out_path)
    try:
        from threadpoolctl import threadpool_info

        pools = [
            {k: p.get(k) for k in ("internal_api", "num_threads", "version")}
            for p in threadpool_info()
        ]
    except Exception as e:  # informational only
        pools = str(e)
    result = {
        "input": args.input,
        "bytes": size,
        "runs": runs,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "versions": {
            "python": platform.python_version(),
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "xgboost": xgb.__version__,
        },
        "threadpools": pools,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }
    with open(args.json, "w") as out:
        json.dump(result, out, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    steps = parser.add_subparsers(dest="step", required=True)
    t = steps.add_parser("train")
    t.add_argument("--data", required=True)
    t.add_argument("--model-dir", required=True)
    s = steps.add_parser("score")
    s.add_argument("--model-dir", required=True)
    s.add_argument("--input", required=True)
    s.add_argument("--runs", type=int, default=5)
    s.add_argument("--max-seconds", type=float, default=0)
    s.add_argument("--out-dir", required=True)
    s.add_argument("--json", required=True)
    args = parser.parse_args()
    {"train": train, "score": score}[args.step](args)


if __name__ == "__main__":
    main()
