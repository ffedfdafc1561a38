"""Shared helpers of the Python tests: the repository's fixtures/ folder and small datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

import cohorte

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"


@pytest.fixture(scope="session")
def small() -> cohorte.Dataset:
    """A small synthetic population shared by the read-only tests."""
    return cohorte.synthetic(2000, seed=42)
