"""Cohort definitions in Python: a builder producing the same JSON document as the one written by
hand, and the core's library of examples.

The builder only assembles the document; the core validates it when it is evaluated
(:meth:`cohorte.Dataset.cohort`) and lists every problem with its path
(:class:`cohorte.exceptions.DefinitionError`). The document's format is described by the JSON
Schema ``core/schema/cohort-definition.schema.json``.

>>> from cohorte.definition import CohortDefinition, dispensing, diagnosis, events, demographics
>>> d = (
...     CohortDefinition("new metformin users")
...     .concept_set("metformin", "ATC", ["A10BA02"])
...     .concept_set("type 2 diabetes", "ICD10", ["E11"])
...     .entry(dispensing("metformin"), prior_observation=365)
...     .include("adult", demographics(age_min=18))
...     .include("diabetes before", events(diagnosis("type 2 diabetes"), window=(None, 0)))
... )
>>> d.to_dict()["entry"]
{'events': [{'event': 'dispensing', 'concept_set': 'metformin'}], 'occurrence': 'first', \
'prior_observation': 365}
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeAlias

from . import _native
from .exceptions import DefinitionError, InvalidArgumentError, MissingFileError

__all__ = [
    "CURRENT_VERSION",
    "CohortDefinition",
    "Criterion",
    "DefinitionLike",
    "EventFilter",
    "act",
    "ald",
    "all_of",
    "any_of",
    "at_least",
    "at_most",
    "death",
    "demographics",
    "diagnosis",
    "dispensing",
    "events",
    "examples",
    "in_cohort",
    "normalize",
    "schema",
    "stay",
    "validate",
]

#: Format version the builder writes (the core migrates older documents on load).
CURRENT_VERSION = 2

_Occurrence: TypeAlias = Literal["first", "all", "last"]
_Anchor: TypeAlias = Literal["index_start", "index_end"]
_Role: TypeAlias = Literal["DP", "DR", "DAS", "ALD"]
DateLike: TypeAlias = date | str
Window: TypeAlias = tuple[int | None, int | None]


class EventFilter:
    """Events of one type, optionally of a concept set (and, for diagnoses, of some roles)."""

    __slots__ = ("doc",)

    def __init__(self, event: str, concept_set: str | None = None, roles: Sequence[str] = ()):
        self.doc: dict[str, Any] = {"event": event}
        if concept_set is not None:
            self.doc["concept_set"] = concept_set
        if roles:
            self.doc["roles"] = list(roles)

    def to_dict(self) -> dict[str, Any]:
        """The filter as a JSON object."""
        return copy.deepcopy(self.doc)

    def __repr__(self) -> str:
        return f"EventFilter({self.doc})"


class Criterion:
    """A criterion of an inclusion rule (demographics, an event count, a nested cohort, a group)."""

    __slots__ = ("doc",)

    def __init__(self, doc: dict[str, Any]):
        self.doc = doc

    def to_dict(self) -> dict[str, Any]:
        """The criterion as a JSON object."""
        return copy.deepcopy(self.doc)

    def __repr__(self) -> str:
        return f"Criterion({self.doc})"


def dispensing(concept_set: str | None = None) -> EventFilter:
    """Pharmacy dispensings, of an ATC or CIP13 concept set (absent: any)."""
    return EventFilter("dispensing", concept_set)


def diagnosis(concept_set: str | None = None, roles: Sequence[_Role] = ()) -> EventFilter:
    """Diagnoses of an ICD-10 concept set; ``roles`` among ``DP``, ``DR``, ``DAS``, ``ALD``
    (absent: any role)."""
    return EventFilter("diagnosis", concept_set, roles)


def stay(concept_set: str | None = None) -> EventFilter:
    """Hospital stays whose main diagnosis is in an ICD-10 concept set (absent: any stay)."""
    return EventFilter("stay", concept_set)


def act(concept_set: str | None = None) -> EventFilter:
    """CCAM acts of a concept set, in city care or in hospital."""
    return EventFilter("act", concept_set)


def ald(concept_set: str | None = None) -> EventFilter:
    """Long-term illness (ALD) periods of an ICD-10 concept set."""
    return EventFilter("ald", concept_set)


def death() -> EventFilter:
    """Death."""
    return EventFilter("death")


def _window(window: Window | None) -> dict[str, int]:
    if window is None:
        return {}
    start, end = window
    out: dict[str, int] = {}
    if start is not None:
        out["start"] = start
    if end is not None:
        out["end"] = end
    return out


def _count(at_least: int | None, at_most: int | None, exactly: int | None) -> dict[str, int] | None:
    count = {
        k: v
        for k, v in (("at_least", at_least), ("at_most", at_most), ("exactly", exactly))
        if v is not None
    }
    # The document's default is "at least 1": leave it out, as the core writes it.
    if not count or count == {"at_least": 1}:
        return None
    return count


def events(
    filter: EventFilter,
    window: Window | None = None,
    *,
    relative_to: _Anchor = "index_start",
    at_least: int | None = None,
    at_most: int | None = None,
    exactly: int | None = None,
    distinct_dates: bool = False,
) -> Criterion:
    """A count of events in a window of days around the index (both bounds inclusive, ``None``
    unbounded; default: the whole observation period). Default count: at least one."""
    doc: dict[str, Any] = filter.to_dict()
    w = _window(window)
    if w:
        doc["window"] = w
    if relative_to != "index_start":
        doc["relative_to"] = relative_to
    count = _count(at_least, at_most, exactly)
    if count is not None:
        doc["count"] = count
    if distinct_dates:
        doc["distinct_dates"] = True
    return Criterion(doc)


def in_cohort(
    name: str,
    window: Window | None = None,
    *,
    relative_to: _Anchor = "index_start",
    at_least: int | None = None,
    at_most: int | None = None,
    exactly: int | None = None,
) -> Criterion:
    """A count of entries of a nested cohort (added with :meth:`CohortDefinition.nested`)
    overlapping a window."""
    doc: dict[str, Any] = {"in_cohort": name}
    w = _window(window)
    if w:
        doc["window"] = w
    if relative_to != "index_start":
        doc["relative_to"] = relative_to
    count = _count(at_least, at_most, exactly)
    if count is not None:
        doc["count"] = count
    return Criterion(doc)


def demographics(
    *,
    age_min: int | None = None,
    age_max: int | None = None,
    sex: Literal["male", "female"] | None = None,
    departements: Iterable[str] = (),
    regions: Iterable[int] = (),
) -> Criterion:
    """Age (completed years, inclusive bounds), sex and place of residence at the index date."""
    d: dict[str, Any] = {}
    age = {k: v for k, v in (("min", age_min), ("max", age_max)) if v is not None}
    if age:
        d["age"] = age
    if sex is not None:
        d["sex"] = sex
    deps = list(departements)
    if deps:
        d["departements"] = deps
    regs = list(regions)
    if regs:
        d["regions"] = regs
    return Criterion({"demographics": d})


def all_of(*criteria: Criterion) -> Criterion:
    """Every criterion holds."""
    return Criterion({"all": [c.to_dict() for c in criteria]})


def any_of(*criteria: Criterion) -> Criterion:
    """At least one criterion holds."""
    return Criterion({"any": [c.to_dict() for c in criteria]})


def at_least(n: int, *criteria: Criterion) -> Criterion:
    """At least ``n`` of the criteria hold."""
    return Criterion({"at_least": n, "of": [c.to_dict() for c in criteria]})


def at_most(n: int, *criteria: Criterion) -> Criterion:
    """At most ``n`` of the criteria hold."""
    return Criterion({"at_most": n, "of": [c.to_dict() for c in criteria]})


def _iso(d: DateLike) -> str:
    return d.isoformat() if isinstance(d, date) else d


class CohortDefinition:
    """Builds a cohort definition document step by step; every method returns the builder.

    ``to_dict()`` and ``to_json()`` give the document; :meth:`cohorte.Dataset.cohort` accepts the
    builder itself.
    """

    def __init__(self, name: str, description: str = "") -> None:
        self._doc: dict[str, Any] = {"version": CURRENT_VERSION, "name": name}
        if description:
            self._doc["description"] = description

    def concept_set(
        self, name: str, system: str, codes: Iterable[str], exclude: Iterable[str] = ()
    ) -> CohortDefinition:
        """Add a named list of codes of one system (``ATC``, ``CIP13``, ``ICD10``, ``CCAM``); each
        code covers its descendants, minus ``exclude``."""
        cs: dict[str, Any] = {"name": name, "system": system, "codes": list(codes)}
        excl = list(exclude)
        if excl:
            cs["exclude"] = excl
        self._doc.setdefault("concept_sets", []).append(cs)
        return self

    def entry(
        self,
        *events: EventFilter,
        occurrence: _Occurrence = "first",
        date_range: tuple[DateLike | None, DateLike | None] | None = None,
        prior_observation: int = 0,
        post_observation: int = 0,
    ) -> CohortDefinition:
        """Set the entry events (any of them), which occurrence is kept (``first`` ever,
        ``all``, ``last``), a calendar range for the index date and the observation required
        before and after it, in days."""
        entry: dict[str, Any] = {"events": [e.to_dict() for e in events]}
        if date_range is not None:
            lo, hi = date_range
            rng = {}
            if lo is not None:
                rng["from"] = _iso(lo)
            if hi is not None:
                rng["to"] = _iso(hi)
            entry["date_range"] = rng
        entry["occurrence"] = occurrence
        if prior_observation:
            entry["prior_observation"] = prior_observation
        if post_observation:
            entry["post_observation"] = post_observation
        self._doc["entry"] = entry
        return self

    def include(self, name: str, criterion: Criterion, description: str = "") -> CohortDefinition:
        """Add a named inclusion rule (rules apply in order: they are the attrition steps)."""
        rule: dict[str, Any] = {"name": name}
        if description:
            rule["description"] = description
        rule.update(criterion.to_dict())
        self._doc.setdefault("inclusion", []).append(rule)
        return self

    def exit_at_end_of_observation(self) -> CohortDefinition:
        """Exit at the end of the observation period (the default)."""
        self._doc.pop("exit", None)
        return self

    def exit_after(self, days: int, *, relative_to: _Anchor = "index_start") -> CohortDefinition:
        """Exit a fixed number of days after the index."""
        ex: dict[str, Any] = {"type": "fixed", "days": days}
        if relative_to != "index_start":
            ex["from"] = relative_to
        self._doc["exit"] = ex
        return self

    def exit_at_end_of_exposure(
        self,
        concept_set: str,
        *,
        days_per_box: int | None = None,
        gap: int = 30,
        extension: int = 0,
    ) -> CohortDefinition:
        """Exit at the end of continuous exposure to a drug concept set (each box covers
        ``days_per_box`` days, or the pack's own; gaps up to ``gap`` days are bridged)."""
        ex: dict[str, Any] = {"type": "drug_exposure", "concept_set": concept_set}
        if days_per_box is not None:
            ex["days_per_box"] = days_per_box
        ex["gap"] = gap
        if extension:
            ex["extension"] = extension
        self._doc["exit"] = ex
        return self

    def exit_at_death(self) -> CohortDefinition:
        """Exit at death (or the end of the data for those alive)."""
        self._doc["exit"] = {"type": "death"}
        return self

    def censor(self, *events: EventFilter) -> CohortDefinition:
        """End an entry early at the first of these events on or after its index date."""
        self._doc.setdefault("censoring", []).extend(e.to_dict() for e in events)
        return self

    def collapse(self, days: int) -> CohortDefinition:
        """Merge a person's entries separated by at most ``days`` days."""
        if days:
            self._doc["collapse_days"] = days
        else:
            self._doc.pop("collapse_days", None)
        return self

    def nested(self, definition: CohortDefinition) -> CohortDefinition:
        """Add a nested cohort, usable in rules with :func:`in_cohort` by its name."""
        self._doc.setdefault("cohorts", []).append(definition.to_dict())
        return self

    def to_dict(self) -> dict[str, Any]:
        """The document as a dict (a copy)."""
        return copy.deepcopy(self._doc)

    def to_json(self, indent: int | None = 2) -> str:
        """The document as JSON text."""
        return json.dumps(self._doc, indent=indent, ensure_ascii=False)

    def __repr__(self) -> str:
        return f"CohortDefinition({self._doc.get('name')!r})"


#: What :meth:`cohorte.Dataset.cohort` accepts as a definition.
DefinitionLike: TypeAlias = Mapping[str, Any] | str | os.PathLike[str] | CohortDefinition


def _definition_json(definition: DefinitionLike) -> str:
    """The JSON text of a definition given as a dict, JSON text, a path or a builder."""
    to_json = getattr(definition, "to_json", None)
    if callable(to_json):
        text = to_json()
        if not isinstance(text, str):
            raise InvalidArgumentError("definition: to_json() must return a str")
        return text
    if isinstance(definition, Mapping):
        try:
            return json.dumps(definition)
        except (TypeError, ValueError) as e:
            raise InvalidArgumentError(f"definition: not serialisable as JSON: {e}") from None
    if isinstance(definition, str) and definition.lstrip().startswith("{"):
        return definition
    if isinstance(definition, (str, os.PathLike)):
        p = Path(definition)
        if not p.is_file():
            raise MissingFileError(
                f"{p}: no such definition file (a definition is a dict, JSON text, "
                "the path of a .json file or a cohorte.definition builder)"
            )
        try:
            return p.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            message = (
                f"{p}: a definition file must be UTF-8 JSON (invalid byte at offset {e.start})"
            )
            err = DefinitionError(message)
            err.problems = [{"path": "", "message": message, "severity": "error"}]
            raise err from None
    raise InvalidArgumentError(
        "definition: expected a dict, JSON text, a path or a cohorte.definition builder, "
        f"found {type(definition).__name__}"
    )


def validate(definition: DefinitionLike) -> list[dict[str, Any]]:
    """Every problem of a definition, errors and warnings (a code absent from the shipped
    referential is a warning), each a dict with ``path``, ``message`` and ``severity``. An empty
    list means the definition is valid and clean."""
    return _native.validate_definition(_definition_json(definition))


def normalize(definition: DefinitionLike) -> dict[str, Any]:
    """The document as the core writes it (current version, defaults left out); raises
    :class:`cohorte.exceptions.DefinitionError` when it does not validate."""
    result: dict[str, Any] = json.loads(_native.normalize_definition(_definition_json(definition)))
    return result


def schema() -> dict[str, Any]:
    """The JSON Schema of cohort definitions."""
    result: dict[str, Any] = json.loads(_native.definition_schema())
    return result


def examples() -> dict[str, dict[str, Any]]:
    """The core's library of example definitions, by name, as JSON documents (dicts)."""
    examples_fn = getattr(_native, "examples", None)
    if examples_fn is None:
        return {}
    return {name: json.loads(text) for name, text in examples_fn()}
