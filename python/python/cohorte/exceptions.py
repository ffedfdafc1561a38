"""The exceptions raised by cohorte.

Every error of the core has a stable code (``exc.code``, the same string the JavaScript face puts
on ``error.code``) and one class here. All derive from :class:`CohorteError`; where a built-in
exception fits, the class derives from it too, so ``except ValueError`` or
``except FileNotFoundError`` catches what a user expects.

>>> import cohorte
>>> try:
...     cohorte.synthetic(0)
... except cohorte.exceptions.InvalidArgumentError as e:
...     print(e.code)
invalid_argument
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AggregateError",
    "ArrowError",
    "BadValueError",
    "CohorteError",
    "DefinitionError",
    "FileError",
    "FormatError",
    "InternalError",
    "InvalidArgumentError",
    "MissingColumnError",
    "MissingFileError",
    "ParquetError",
    "RestoredCellsWarning",
    "SqlError",
    "UnknownCodeSystemError",
    "UnknownTableError",
]


class CohorteError(Exception):
    """Base class of every error raised by cohorte. ``code`` is the core's stable error code."""

    code: str = "error"


class FileError(CohorteError, OSError):
    """A file could not be opened, read or written (the message names the file)."""

    code = "io"


class MissingFileError(FileError, FileNotFoundError):
    """A file or folder does not exist (the message names it)."""

    code = "file_not_found"


class MissingColumnError(CohorteError, ValueError):
    """A source table lacks a required column (the message names table and column)."""

    code = "missing_column"


class BadValueError(CohorteError, ValueError):
    """A value in a source table cannot be read (the message names table, column and row)."""

    code = "bad_value"


class FormatError(CohorteError, ValueError):
    """A file is not in the expected format (corrupt Parquet, CSV without a header...)."""

    code = "format"


class UnknownTableError(CohorteError, ValueError):
    """A table name that is not one of the SNDS source tables cohorte knows."""

    code = "unknown_table"


class UnknownCodeSystemError(CohorteError, ValueError):
    """A code system name other than ATC, CIP13, ICD10 or CCAM."""

    code = "unknown_code_system"


class DefinitionError(CohorteError, ValueError):
    """A cohort definition that does not validate.

    ``problems`` lists every problem found, each a dict with ``path`` (a JSON path such as
    ``inclusion[2].window.start``), ``message`` and ``severity``.
    """

    code = "invalid_definition"
    problems: list[dict[str, Any]]

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.problems = []


class InvalidArgumentError(CohorteError, ValueError):
    """An argument out of its domain or of the wrong type."""

    code = "invalid_argument"


class AggregateError(CohorteError, ValueError):
    """An aggregate that cannot be computed on this cohort."""

    code = "aggregate"


class ArrowError(CohorteError):
    """An error raised by the Arrow library while converting a table."""

    code = "arrow"


class ParquetError(CohorteError):
    """An error raised by the Parquet library while reading or writing a file."""

    code = "parquet"


class InternalError(CohorteError, RuntimeError):
    """A bug in cohorte: the core stopped on an unexpected state. Please report the input."""

    code = "internal"


class RestoredCellsWarning(UserWarning):
    """An open-data file saved again by a spreadsheet: cells it damaged (``05-sept`` for the age
    band ``05-09``, ``7`` for département ``07``) were restored while reading. The message says
    how many, in which column."""


class SqlError(CohorteError, ValueError):
    """A definition or options the SQL compiler cannot render: an unknown dialect or result, a
    table missing from the mapping, no PMSI year (the message names the option at fault)."""

    code = "sql"
