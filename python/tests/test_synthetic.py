"""The synthetic generator seen from Python: deterministic, same bytes as the native build."""

from __future__ import annotations

import json
import re

import cohorte

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
