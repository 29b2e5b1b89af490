"""Checks that Python tools read restake's results, and executes the notebooks against them.

    python3 notebooks/tests/check_results.py --sweep DIR --run DIR

--sweep: a sharded sweep folder (after `restake merge`); --run: a `restake run` folder.
Run by crates/restake-cli/tests/sweep_notebooks.rs on freshly produced small results.
Exits non-zero with a message on the first failure.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import duckdb
import nbformat
import polars as pl
import pyarrow.dataset as ds
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent


def check_dataset(sweep: Path) -> None:
    """The runs/steps/events folders read as one table in polars, DuckDB and pyarrow."""
    merged = pl.read_parquet(sweep / "runs.parquet").sort("run_id")
    for kind in ("runs", "steps", "events"):
        folder = sweep / kind
        shards = sorted(p.name for p in folder.iterdir())
        assert len(shards) >= 2, f"{folder}: expected a sharded folder, found {shards}"
        by_polars = pl.read_parquet(folder, hive_partitioning=True)
        by_duckdb = duckdb.sql(f"select * from read_parquet('{folder}/*/*.parquet', hive_partitioning = true)").pl()
        by_arrow = pl.from_arrow(ds.dataset(folder, format="parquet", partitioning="hive").to_table())
        keys = ["run_id"] + (["step"] if kind == "steps" else ["event_id"] if kind == "events" else [])
        frames = [f.drop("shard").sort(keys) for f in (by_polars, by_duckdb, by_arrow)]
        assert frames[0].height > 0, f"{kind}: no rows"
        for name, f in zip(("duckdb", "pyarrow"), frames[1:]):
            assert f.columns == frames[0].columns, f"{kind}: {name} columns differ: {f.columns}"
            assert f.height == frames[0].height, f"{kind}: {name} has {f.height} rows, polars {frames[0].height}"
            assert f["run_id"].to_list() == frames[0]["run_id"].to_list(), f"{kind}: {name} run ids differ"
        if kind == "runs":
            assert frames[0].equals(merged), "runs folder differs from the merged runs.parquet"
            for name, f in zip(("duckdb", "pyarrow"), frames[1:]):
                assert f.equals(merged), f"runs read by {name} differ from the merged runs.parquet"
        print(f"  {kind}: {frames[0].height} rows from {len(shards)} shards read alike by polars, DuckDB and pyarrow")


def execute(notebook: str, env: dict) -> tuple[float, int]:
    os.environ.update(env)
    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    t0 = time.time()
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    images = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    assert images >= 1, f"{notebook}: no figure was drawn"
    return time.time() - t0, images


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sweep", type=Path, required=True)
    ap.add_argument("--run", type=Path, required=True)
    a = ap.parse_args()
    # Figures become PNG outputs of the cells (the kernel draws inline, as in Jupyter).
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    check_dataset(a.sweep.resolve())
    for nb, env in (("sweep_analysis.ipynb", {"RESTAKE_SWEEP_DIR": str(a.sweep.resolve())}), ("run_dominoes.ipynb", {"RESTAKE_RUN_DIR": str(a.run.resolve())})):
        secs, images = execute(nb, env)
        print(f"  {nb}: executed in {secs:.1f} s, {images} figure(s)")
    print("python checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
