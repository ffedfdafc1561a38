"""The installed package: version, build mode, typing marker, exception hierarchy."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest

import cohorte
from cohorte import exceptions

from .conftest import REPO


def _workspace_version() -> str:
    # Read without tomllib (Python 3.11+): the tests run on every CPython the wheel supports.
    text = (REPO / "Cargo.toml").read_text()
    section = re.search(r"^\[workspace\.package\]$(.*?)(?=^\[|\Z)", text, flags=re.M | re.S)
    assert section, "Cargo.toml has a [workspace.package] section"
    found = re.search(r'^version\s*=\s*"([^"]+)"', section.group(1), flags=re.M)
    assert found, "Cargo.toml: [workspace.package] has a version"
    return found.group(1)


def test_version_is_the_workspace_version() -> None:
    assert cohorte.__version__ == _workspace_version()


def test_installed_wheel_is_abi3_for_cpython_310_and_later() -> None:
    dist = metadata.distribution("cohorte")
    wheel = dist.read_text("WHEEL")
    assert wheel is not None
    tags = re.findall(r"^Tag:\s*(\S+)$", wheel, flags=re.M)
    assert tags, "WHEEL lists the wheel's tags"
    assert all(t.startswith("cp310-abi3-") for t in tags), tags
    assert dist.metadata["Requires-Python"] == ">=3.10"
    assert dist.version == _workspace_version()


def test_built_wheel_file_is_named_for_abi3() -> None:
    folder = REPO / "target" / "wheels" / "cohorte"
    if not folder.is_dir():
        pytest.skip("no wheel built here (make python-wheel builds it)")
    wheels = [p.name for p in folder.glob("*.whl")]
    assert len(wheels) == 1, wheels
    version = re.escape(_workspace_version())
    assert re.fullmatch(rf"cohorte-{version}-cp310-abi3-[a-z0-9_.]+\.whl", wheels[0]), wheels[0]


def test_declared_dependencies_are_installed() -> None:
    # The stage installs the wheel with its `pandas` extra and lets pip resolve the
    # requirements: each one declared in the metadata must be present in a matching version.
    requires = metadata.requires("cohorte") or []
    names = {re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower() for r in requires}
    assert {"polars", "pandas", "pyarrow"} <= names, requires
    assert any(r.startswith("polars") and ">=1" in r for r in requires), requires
    for req in requires:
        name = re.split(r"[<>=!~ ;\[]", req, maxsplit=1)[0]
        assert metadata.version(name), f"{name} is installed"


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
