"""The installed package: version, build mode, typing marker, exception hierarchy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomllib

import cohorte
from cohorte import exceptions

from .conftest import REPO


def test_version_is_the_workspace_version() -> None:
    cargo = tomllib.loads((REPO / "Cargo.toml").read_text())
    assert cohorte.__version__ == cargo["workspace"]["package"]["version"]


def test_tests_run_against_the_installed_wheel_in_release_mode() -> None:
    # The stage installs the wheel with pip: the package must come from site-packages, not from
    # the source tree, and the extension must be a release build (no import warning).
    assert "site-packages" in Path(cohorte.__file__).parts
    assert cohorte._native.DEBUG_BUILD is False


def test_typing_marker_ships_in_the_wheel() -> None:
    pkg = Path(cohorte.__file__).parent
    assert (pkg / "py.typed").is_file()
    assert (pkg / "_native.pyi").is_file()


def _core_error_codes() -> set[str]:
    # Read the codes from the core's source, independently of the binding's own table.
    src = (REPO / "core" / "src" / "error.rs").read_text()
    body = src[src.index("pub fn code(&self)") :]
    body = body[: body.index("\n    }\n")]
    return set(re.findall(r'=> "([a-z_]+)"', body))


def test_every_core_error_code_has_its_exception_class() -> None:
    codes = _core_error_codes()
    assert {"invalid_definition", "missing_column", "file_not_found"} <= codes
    classes = {
        obj.code: obj
        for obj in vars(exceptions).values()
        if isinstance(obj, type) and issubclass(obj, exceptions.CohorteError)
    }
    missing = codes - classes.keys()
    assert not missing, f"no exception class for core error codes {sorted(missing)}"


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (exceptions.MissingFileError, FileNotFoundError),
        (exceptions.FileError, OSError),
        (exceptions.DefinitionError, ValueError),
        (exceptions.MissingColumnError, ValueError),
        (exceptions.BadValueError, ValueError),
        (exceptions.InvalidArgumentError, ValueError),
        (exceptions.InternalError, RuntimeError),
    ],
)
def test_exceptions_have_fitting_builtin_bases(cls: type, builtin: type) -> None:
    assert issubclass(cls, exceptions.CohorteError)
    assert issubclass(cls, builtin)


def test_codes_are_distinct() -> None:
    codes = [
        obj.code
        for obj in vars(exceptions).values()
        if isinstance(obj, type) and issubclass(obj, exceptions.CohorteError)
    ]
    assert len(codes) == len(set(codes))


def test_a_debug_build_warns_on_import(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    monkeypatch.setattr(cohorte._native, "DEBUG_BUILD", True)
    with pytest.warns(RuntimeWarning, match="debug mode"):
        importlib.reload(cohorte)
    monkeypatch.undo()
    importlib.reload(cohorte)
