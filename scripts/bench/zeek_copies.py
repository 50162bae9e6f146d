"""Writes a large Zeek conn.log by repeating a real one with shifted timestamps.

Usage: zeek_copies.py --input conn.log --copies N --out BIG.log

Each copy's `ts` is moved past the previous copy's last one (plus 60 s), so windows and incidents
see N captures one after another, as in a longer capture; the `#` header lines are written once
and `#close` once at the end. Standard library only.
"""

import argparse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--copies", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    header, rows, close = [], [], []
    with open(args.input, encoding="utf-8", newline="") as f:
        for line in f:
            if line.startswith("#close"):
                close.append(line)
            elif line.startswith("#"):
                header.append(line)
            elif line.strip():
                rows.append(line.split("\t", 1))
    times = [float(ts) for ts, _ in rows]
    span = max(times) - min(times) + 60.0
    with open(args.out, "w", encoding="utf-8", newline="") as out:
        out.writelines(header)
        for copy in range(args.copies):
            shift = copy * span
            out.writelines(f"{t + shift:.6f}\t{rest}" for t, (_, rest) in zip(times, rows))
        out.writelines(close)


if __name__ == "__main__":
    main()
