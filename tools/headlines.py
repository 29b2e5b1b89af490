#!/usr/bin/env python3
"""Headline figures of every shipped scenario's run, from two output trees of
tools/shipped-outputs.sh, side by side (before -> after):

    python3 tools/headlines.py /tmp/before /tmp/after

Per scenario: liquidations, liquidated and bad debt, retail loss (mean, p95), exits, and per LRT the
deepest depeg, hours beyond 1%, lowest price, peak queue and wait; plus, from events.parquet,
instant withdrawals and redemptions paid (count and ETH)."""

import sys
from pathlib import Path

import polars as pl

RUN = ["liquidations", "liquidated_debt_eth", "bad_debt_eth", "retail_loss_mean", "retail_loss_p95", "retail_exits"]
LRT = ["max_depeg", "hours_depegged_1pct", "min_price", "peak_queue_eth", "peak_wait_days"]
EVENTS = ["instant_withdrawal", "redemption_request", "redemption_paid", "arbitrage"]


def figures(run_dir: Path) -> dict:
    out = {}
    runs = pl.read_parquet(run_dir / "runs.parquet")
    row = runs.row(0, named=True)
    for k in RUN:
        out[k] = row.get(k)
    for c in runs.columns:
        parts = c.split(".")
        if len(parts) >= 3 and parts[0] == "lrt" and parts[-1] in LRT:
            out[c] = row[c]
        if len(parts) >= 3 and parts[0] in ("market", "lrt") and parts[-1] in ("net_insolvent_debt_eth", "peak_net_insolvent_debt_eth", "longest_wait_days", "lowest_buffer_eth", "hours_depegged_5pct", "sold_below_nav", "discount_cost_eth", "lp_withdrawn_eth", "peak_pool_imbalance"):
            out[c] = row[c]
    ev = run_dir / "events.parquet"
    if ev.exists():
        e = pl.read_parquet(ev)
        for kind in EVENTS:
            k = e.filter(pl.col("kind") == kind)
            out[f"events.{kind}"] = f"{k.height} / {k['amount_eth'].sum():.1f} ETH"
    return out


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        if v != v:
            return "nan"
        return f"{v:.4g}"
    return str(v)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    a, b = Path(sys.argv[1]) / "run", Path(sys.argv[2]) / "run"
    for d in sorted(p for p in b.iterdir() if p.is_dir()):
        before = figures(a / d.name) if (a / d.name / "runs.parquet").exists() else {}
        after = figures(d)
        print(f"## {d.name}")
        for k in list(dict.fromkeys([*before, *after])):
            x, y = fmt(before.get(k)), fmt(after.get(k))
            mark = "" if x == y else "  *"
            print(f"  {k:58s} {x:>22s} -> {y:<22s}{mark}")
        print()


if __name__ == "__main__":
    main()
