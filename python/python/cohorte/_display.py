"""HTML shown by Jupyter for a Dataset, a Cohort (the attrition as a flow of boxes) and an
Aggregate (masked cells marked, never blank; margins read "all"). Plain HTML and inline styles, so
it renders the same in JupyterLab, VS Code and a static nbconvert export."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import polars as pl

_BOX = (
    "border:1px solid #888;border-radius:4px;padding:4px 10px;margin:0;"
    "display:inline-block;min-width:16em;background:#f7f9fc"
)
_MASKED = "background:#eee;color:#777;font-style:italic"
_MARGIN = "font-weight:bold;color:#333"


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    if isinstance(value, float):
        return f"{value:.4g}"
    if value is None:
        return ""
    return escape(str(value))


def _kv_table(data: Mapping[str, Any]) -> str:
    rows = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            cell = _kv_table(value)
        elif isinstance(value, Sequence) and not isinstance(value, str):
            cell = _records_table(value)
        else:
            cell = _fmt(value)
        rows.append(f"<tr><th style='text-align:left'>{escape(str(key))}</th><td>{cell}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _records_table(items: Sequence[Any]) -> str:
    if items and all(isinstance(i, Mapping) for i in items):
        cols = list(dict.fromkeys(k for i in items for k in i))
        head = "".join(f"<th>{escape(str(c))}</th>" for c in cols)
        body = "".join(
            "<tr>" + "".join(f"<td>{_fmt(i.get(c))}</td>" for c in cols) + "</tr>" for i in items
        )
        return f"<table><tr>{head}</tr>{body}</table>"
    return ", ".join(_fmt(i) for i in items)


def dataset_html(summary: Mapping[str, Any]) -> str:
    """A Dataset: its summary as nested tables."""
    return "<div><strong>cohorte.Dataset</strong>" + _kv_table(summary) + "</div>"


def cohort_html(n_persons: int, n_entries: int, steps: Sequence[Mapping[str, Any]]) -> str:
    """A Cohort: the attrition as a top-down flow, each box with the persons left and, beside the
    arrow into it, the persons that step removed."""
    parts = [
        f"<div><strong>cohorte.Cohort</strong>: {_fmt(n_persons)} persons, "
        f"{_fmt(n_entries)} entries<div style='margin-top:6px'>"
    ]
    for i, step in enumerate(steps):
        if i > 0:
            lost = step.get("lost_persons")
            alone = step.get("alone_persons")
            note = f"&minus;{_fmt(lost)} persons" if lost is not None else ""
            if alone is not None:
                note += f" (this rule alone: &minus;{_fmt(alone)})"
            parts.append(
                f"<div style='margin:0 0 0 2em;color:#555'>&darr; <small>{note}</small></div>"
            )
        events = step.get("events")
        ev = f", {_fmt(events)} index events" if events is not None else ""
        parts.append(
            f"<div style='{_BOX}'><strong>{_fmt(step.get('name'))}</strong><br>"
            f"{_fmt(step.get('persons'))} persons{ev}</div>"
        )
    parts.append("</div></div>")
    return "".join(parts)


#: Rows of an aggregate shown in its HTML display; the rest is summarised in a line.
MAX_ROWS = 100

_MASKED_TITLE = "masked by disclosure control"


def aggregate_html(
    df: pl.DataFrame,
    name: str,
    k: int,
    dims: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> str:
    """An aggregate: a table whose masked cells read "masked" on grey instead of a blank, whose
    margin rows (a null stratum) read "all", with a legend below.

    Every masked cell carries the same mark, whether it counts fewer than k patients, derives
    from such a count (a rate, a share) or was hidden so that no small count can be rebuilt from
    the totals: telling them apart would tell a reader which hidden counts are at least k.
    """
    columns = df.columns
    flags = {c for c in columns if c.endswith("_masked") and c[: -len("_masked")] in columns}
    shown = [c for c in columns if c not in flags]
    strata = {c for c in dims if c in columns}
    head = "".join(f"<th>{escape(c)}</th>" for c in shown)
    body = []
    for row in df.head(MAX_ROWS).iter_rows(named=True):
        cells = []
        for c in shown:
            if row.get(f"{c}_masked") and f"{c}_masked" in flags:
                cells.append(f"<td style='{_MASKED}' title='{_MASKED_TITLE}'>masked</td>")
            elif c in strata and row.get(c) is None:
                cells.append(f"<td style='{_MARGIN}' title='total over {escape(c)}'>all</td>")
            else:
                cells.append(f"<td>{_fmt(row.get(c))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if df.height > MAX_ROWS:
        more = (
            f"<div><small>&hellip; {_fmt(df.height - MAX_ROWS)} more rows "
            f"({_fmt(df.height)} in all).</small></div>"
        )
    n_masked = sum(int(df[f].sum() or 0) for f in flags)
    if n_masked:
        note = (
            f"<div><small><span style='{_MASKED}'>&nbsp;masked&nbsp;</span> {_fmt(n_masked)} "
            f"cell(s) hidden by disclosure control (k = {k}): a count of 1 to {k - 1} "
            "patients, a value derived from such a count, or a cell hidden with it so that it "
            "cannot be rebuilt from the totals (the mark is the same for all three). Masked "
            "cells are null, with <code>&lt;column&gt;_masked</code> true.</small></div>"
        )
    else:
        note = f"<div><small>No cell masked (k = {k}).</small></div>"
    if strata & {c for c in shown}:
        note += (
            f"<div><small><span style='{_MARGIN}'>&nbsp;all&nbsp;</span> a margin row: the "
            "total over that stratum (null in the table).</small></div>"
        )
    extra = "".join(f"<div><small>{escape(n)}</small></div>" for n in notes)
    return (
        f"<div><strong>{escape(name)}</strong><table><tr>{head}</tr>{''.join(body)}</table>"
        f"{more}{note}{extra}</div>"
    )
