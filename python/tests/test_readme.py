"""The Python snippets of the READMEs (python/README.md and the repository's README.md) run as
written, from the repository's root (the root README names files relative to it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import REPO


def _blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


@pytest.mark.parametrize("readme", ["python/README.md", "README.md"])
def test_readme_python_blocks_run(readme: str, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = _blocks(REPO / readme)
    assert blocks, f"{readme} shows Python"
    monkeypatch.chdir(REPO)
    for block in blocks:
        exec(compile(block, readme, "exec"), {})
