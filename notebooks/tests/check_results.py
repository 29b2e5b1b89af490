"""Checks that Python tools read restake's results, and executes the notebooks against them.

    python3 notebooks/tests/check_results.py --sweep DIR --run DIR [--sobol DIR]

--sweep: a sharded sweep folder (after `restake merge`); --run: a `restake run` folder; --sobol
(optional): a sweep on Saltelli's design (`[design] sampling = "sobol"`) after
`restake sensitivity DIR --metric bad_debt_eth`, on which sweep_analysis.ipynb is executed again
and must draw its sensitivity chart.
Run by crates/restake-cli/tests/sweep_notebooks.rs on freshly produced small results.
Exits non-zero with a message on the first failure.
"""

import argparse
import json
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
# The metric the Sobol sweep's indices are computed for (`restake sensitivity --metric`).
SENSITIVITY_METRIC = "bad_debt_eth"


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


def images(nb, tag: str | None = None) -> int:
    """The figures (PNG outputs) of an executed notebook's code cells, or of those tagged `tag`."""
    return sum(
        1
        for c in nb.cells
        if c.cell_type == "code" and (tag is None or tag in c.metadata.get("tags", []))
        for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    )


def text(nb, tag: str) -> str:
    """The printed text of the code cells tagged `tag`."""
    return "".join(o.get("text", "") for c in nb.cells if tag in c.metadata.get("tags", []) for o in c.get("outputs", []))


def execute(notebook: str, env: dict) -> tuple[float, int, nbformat.NotebookNode]:
    os.environ.update(env)
    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    t0 = time.time()
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    n = images(nb)
    assert n >= 1, f"{notebook}: no figure was drawn"
    return time.time() - t0, n, nb


def check_sobol(sobol: Path) -> None:
    """The indices `restake sensitivity` wrote read in polars, and sweep_analysis.ipynb draws them."""
    meta = json.loads((sobol / "sweep.json").read_text())
    assert meta.get("sampling") == "sobol", f"{sobol}: sweep.json says sampling = {meta.get('sampling')!r}, not \"sobol\""
    table = sobol / f"sensitivity-{SENSITIVITY_METRIC}.parquet"
    assert table.exists(), f"{table} is missing: run `restake sensitivity {sobol} --metric {SENSITIVITY_METRIC}` first"
    sens = pl.read_parquet(table)
    for col in ("parameter", "S1", "S1_conf", "ST", "ST_conf"):
        assert col in sens.columns, f"{table.name}: no column {col} in {sens.columns}"
    assert sens["parameter"].to_list() == meta["parameters"], f"{table.name}: parameters {sens['parameter'].to_list()}"
    print(f"  {table.name}: " + "; ".join(f"{r['parameter']} S1 {r['S1']:.3f} ST {r['ST']:.3f}" for r in sens.iter_rows(named=True)))
    secs, n, nb = execute("sweep_analysis.ipynb", {"RESTAKE_SWEEP_DIR": str(sobol)})
    drawn = images(nb, "sensitivity")
    assert drawn == 1, f"sweep_analysis.ipynb on the Sobol sweep: {drawn} sensitivity figure(s), expected 1:\n{text(nb, 'sensitivity')}"
    print(f"  sweep_analysis.ipynb on the Sobol sweep: executed in {secs:.1f} s, {n} figure(s), the sensitivity chart among them")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sweep", type=Path, required=True)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--sobol", type=Path, help="a Sobol sweep folder with its sensitivity Parquet")
    ap.add_argument("--apy-trap", type=Path, help="the sweep of experiments/apy-trap.toml")
    ap.add_argument("--diversification", type=Path, help="the sweep of experiments/diversification.toml")
    a = ap.parse_args()
    # Figures become PNG outputs of the cells (the kernel draws inline, as in Jupyter).
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    check_dataset(a.sweep.resolve())
    for nb, env in (("sweep_analysis.ipynb", {"RESTAKE_SWEEP_DIR": str(a.sweep.resolve())}), ("run_dominoes.ipynb", {"RESTAKE_RUN_DIR": str(a.run.resolve())})):
        secs, n, executed = execute(nb, env)
        if nb == "sweep_analysis.ipynb":
            # A grid has no sensitivity indices: the section says so and draws nothing.
            assert images(executed, "sensitivity") == 0, "sweep_analysis.ipynb drew a sensitivity chart for a grid"
            assert "no sensitivity indices" in text(executed, "sensitivity"), text(executed, "sensitivity")
        print(f"  {nb}: executed in {secs:.1f} s, {n} figure(s)")
    if a.sobol:
        check_sobol(a.sobol.resolve())
    # The ready experiments' notebooks, each on its own sweep.
    for nb, folder, figures in (("apy_trap.ipynb", a.apy_trap, 2), ("diversification.ipynb", a.diversification, 2)):
        if folder:
            secs, n, _ = execute(nb, {"RESTAKE_SWEEP_DIR": str(folder.resolve())})
            assert n == figures, f"{nb}: {n} figure(s), expected {figures}"
            print(f"  {nb}: executed in {secs:.1f} s, {n} figure(s)")
    print("python checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
