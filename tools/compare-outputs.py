#!/usr/bin/env python3
"""Compares the Parquet outputs of two result trees written by tools/shipped-outputs.sh.

    python3 tools/compare-outputs.py BEFORE AFTER [--rel 1e-12] [--atol 0] [--ignore-columns a,b]

For every table (a run's runs/steps/events.parquet, a sweep's merged runs.parquet and its
steps/ and events/ datasets) it reports one of:
  identical   same columns, same rows, same values bit for bit
  close       same columns and rows; floats differ, all within --rel (relative, or absolute
              below 1e-9 where values are near zero); the largest difference is printed
  DIFFERENT   anything else (columns, row counts, strings, integers, or floats beyond --rel)
Columns present on only one side are listed (and make the table DIFFERENT unless ignored).
Exit status: 0 if nothing is DIFFERENT, 1 otherwise.
"""

import argparse
import math
import sys
from pathlib import Path

import polars as pl

KEYS = {
    "runs": ["run_id"],
    "steps": ["run_id", "step"],
    "events": ["run_id", "event_id"],
}


def tables(root: Path):
    """(label, kind, loader) for every table under root."""
    out = []
    for d in sorted((root / "run").glob("*")):
        if d.is_dir():
            for kind in ("runs", "steps", "events"):
                f = d / f"{kind}.parquet"
                if f.exists():
                    out.append((f"run/{d.name}/{kind}", kind, f))
    for d in sorted((root / "sweep").glob("*")):
        if not d.is_dir():
            continue
        merged = d / "runs.parquet"
        if merged.exists():
            out.append((f"sweep/{d.name}/runs", "runs", merged))
        for kind in ("steps", "events"):
            parts = sorted((d / kind).rglob("*.parquet"))
            if parts:
                out.append((f"sweep/{d.name}/{kind}", kind, parts))
    return out


def load(src, kind):
    if isinstance(src, list):
        df = pl.concat([pl.read_parquet(p, hive_partitioning=False) for p in src], how="diagonal_relaxed")
    else:
        df = pl.read_parquet(src)
    keys = [k for k in KEYS[kind] if k in df.columns]
    return df.sort(keys) if keys else df


def compare(a: pl.DataFrame, b: pl.DataFrame, rel: float, ignore, atol: float = 0.0):
    notes = []
    only_a = [c for c in a.columns if c not in b.columns and c not in ignore]
    only_b = [c for c in b.columns if c not in a.columns and c not in ignore]
    status = "identical"
    if only_a:
        notes.append(f"only before: {only_a}")
        status = "DIFFERENT"
    if only_b:
        notes.append(f"only after: {only_b}")
        status = "DIFFERENT"
    common_a = [c for c in a.columns if c in b.columns]
    common_b = [c for c in b.columns if c in a.columns]
    if common_a != common_b:
        notes.append("columns in another order")
        status = "DIFFERENT"
    for c in common_a:
        if c not in ignore and a[c].dtype != b[c].dtype:
            notes.append(f"{c}: type {a[c].dtype} vs {b[c].dtype}")
            status = "DIFFERENT"
    if a.height != b.height:
        return "DIFFERENT", notes + [f"rows {a.height} vs {b.height}"]
    worst = (0.0, None)
    for c in a.columns:
        if c not in b.columns or c in ignore:
            continue
        x, y = a[c], b[c]
        if x.dtype.is_float() or y.dtype.is_float():
            xs = x.cast(pl.Float64).to_list()
            ys = y.cast(pl.Float64).to_list()
            for i, (u, v) in enumerate(zip(xs, ys)):
                if u is None or v is None:
                    if (u is None) != (v is None):
                        return "DIFFERENT", notes + [f"{c}[{i}]: {u} vs {v}"]
                    continue
                if math.isnan(u) or math.isnan(v):
                    if math.isnan(u) != math.isnan(v):
                        return "DIFFERENT", notes + [f"{c}[{i}]: {u} vs {v}"]
                    continue
                if u == v or abs(u - v) <= atol:
                    continue
                d = abs(u - v) / max(abs(u), abs(v))
                if abs(u - v) < 1e-9:
                    d = min(d, abs(u - v))
                if d > worst[0]:
                    worst = (d, f"{c}[{i}]: {u!r} vs {v!r}")
        else:
            if x.dtype != y.dtype:
                x, y = x.cast(pl.String), y.cast(pl.String)
            ne = (x != y) | (x.is_null() != y.is_null())
            ne = ne.fill_null(False)
            if ne.any():
                i = ne.arg_max()
                return "DIFFERENT", notes + [f"{c}[{i}]: {x[i]!r} vs {y[i]!r}"]
    if worst[1] is not None:
        notes.append(f"largest relative difference {worst[0]:.3e} at {worst[1]}")
        if worst[0] > rel:
            return "DIFFERENT", notes
        if status == "identical":
            status = "close"
    return status, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--rel", type=float, default=1e-12)
    ap.add_argument("--atol", type=float, default=0.0, help="absolute differences up to this count as close")
    ap.add_argument("--ignore-columns", default="", help="comma-separated column names to skip")
    args = ap.parse_args()
    ignore = {c for c in args.ignore_columns.split(",") if c}
    before = {label: (kind, src) for label, kind, src in tables(args.before)}
    after = {label: (kind, src) for label, kind, src in tables(args.after)}
    bad = 0
    for label in sorted(set(before) | set(after)):
        if label not in before or label not in after:
            print(f"{'DIFFERENT':<10} {label}: only in {'after' if label in after else 'before'}")
            bad += 1
            continue
        kind, src = before[label]
        status, notes = compare(load(src, kind), load(after[label][1], kind), args.rel, ignore, args.atol)
        bad += status == "DIFFERENT"
        print(f"{status:<10} {label}" + "".join(f"\n           {n}" for n in notes))
    print(f"{len(set(before) | set(after))} tables, {bad} different")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
