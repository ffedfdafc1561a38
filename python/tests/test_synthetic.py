"""The synthetic generator seen from Python: deterministic, same bytes as the native build."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import cohorte
from cohorte import exceptions

from .conftest import FIXTURES


def test_digest_equals_the_native_golden_digest() -> None:
    """The golden digest of fixtures/synthetic_digest.json, checked by the Rust tests too
    (core/tests/synth_digest.rs)."""
    golden = json.loads((FIXTURES / "synthetic_digest.json").read_text())
    assert re.fullmatch(r"[0-9a-f]{64}", golden["digest"])
    assert cohorte.synthetic(golden["patients"], seed=golden["seed"]).digest() == golden["digest"]


def test_same_seed_same_digest_other_seed_other_digest() -> None:
    a = cohorte.synthetic(500, seed=7).digest()
    b = cohorte.synthetic(500, seed=7).digest()
    c = cohorte.synthetic(500, seed=8).digest()
    assert re.fullmatch(r"[0-9a-f]{64}", a)
    assert a == b
    assert a != c


def test_summary_counts_the_requested_patients(small: cohorte.Dataset) -> None:
    summary = small.summary()
    assert summary["patients"] == 2000
    assert small.n_patients == 2000
    assert small.n_events > 2000


def test_tables_are_polars_frames_with_snds_names(small: cohorte.Dataset) -> None:
    tables = small.tables()
    assert {"IR_BEN_R", "ER_PRS_F", "ER_PHA_F"} <= tables.keys()
    ben = tables["IR_BEN_R"]
    assert ben.height == 2000
    assert {"BEN_NIR_PSA", "BEN_RNG_GEM", "BEN_SEX_COD"} <= set(ben.columns)
    # Every dispensing line joins a claim line.
    assert tables["ER_PHA_F"].height <= tables["ER_PRS_F"].height


def test_pitfalls_mode_changes_the_tables_not_the_population(tmp_path: Path) -> None:
    clean = cohorte.synthetic(400, seed=4)
    trapped = cohorte.synthetic(400, seed=4, pitfalls=True)
    # The population is the same; its tables hold the traps of real extracts.
    assert trapped.digest() == clean.digest()
    ben = trapped.tables()["IR_BEN_R"]
    assert ben.height > 400
    assert (ben["BEN_CDI_NIR"] != "00").sum() > 0
    assert (trapped.tables()["ER_PHA_F"]["PHA_ACT_QSN"] < 0).sum() > 0
    # Read back, the loader's filters undo them: the data equals the clean tables read back.
    trapped.write_parquet(tmp_path / "trapped")
    clean.write_parquet(tmp_path / "clean")
    back = cohorte.read_parquet(tmp_path / "trapped")
    assert back.digest() == cohorte.read_parquet(tmp_path / "clean").digest()
    filters = {(f["table"], f["filter"]): f["rows_removed"] for f in back.summary()["filters"]}
    fictitious = [n for (t, f), n in filters.items() if t == "IR_BEN_R" and "BEN_CDI_NIR" in f]
    assert fictitious and fictitious[0] > 0
    merged = [n for (t, f), n in filters.items() if t == "IR_BEN_R" and "BEN_NIR_ANO" in f]
    assert merged and merged[0] > 0


def test_pitfalls_must_be_a_boolean() -> None:
    with pytest.raises(exceptions.InvalidArgumentError, match="pitfalls"):
        cohorte.synthetic(10, pitfalls="yes")  # type: ignore[arg-type]
