"""The Python snippets of python/README.md run as written."""

from __future__ import annotations

import re

from .conftest import REPO


def test_readme_python_blocks_run() -> None:
    text = (REPO / "python" / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "python/README.md", "exec"), {})
