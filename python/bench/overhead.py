"""Python overhead over the core on the example definitions (`make bench-python`).

For each example definition, times what a Python user runs — `Dataset.cohort(definition)`, then
`Cohort.persons()` and `Cohort.attrition()` as polars DataFrames — against the same work done by
the core alone:

- evaluation: the core's own time, measured inside the binding around the one core call
  (`Cohort._inner.core_seconds`);
- persons and attrition: the native calls that build the Arrow tables in the core
  (`Cohort._inner.persons()`, `.attrition()`), without the wrapping into polars.

The overhead of a definition is `python / core - 1` on the medians of `--repeat` runs. The budget
(10 %) holds for every definition, not only on the median: a definition over it fails the run,
unless its absolute overhead is under `--floor-ms` (a fixed cost of a few tens of microseconds is
no overhead worth the name on a cohort evaluated in a millisecond; such rows say "floor").

    python bench/overhead.py [--patients 200000] [--repeat 7] [--budget 0.10] [--floor-ms 0.5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import cohorte
from cohorte import definition


def _timed(f: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = f()
    return time.perf_counter() - t, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--budget", type=float, default=0.10)
    parser.add_argument("--floor-ms", type=float, default=0.5)
    args = parser.parse_args()

    t0 = time.perf_counter()
    ds = cohorte.synthetic(args.patients, seed=args.seed)
    print(
        f"cohorte {cohorte.__version__}: {args.patients} patients, {ds.n_events} events "
        f"generated in {time.perf_counter() - t0:.2f} s"
    )
    examples = definition.examples()
    if not examples:
        print("no example definition in the core: nothing to measure")
        return 1
    print(
        f"{'definition':<34} {'persons':>9} {'python ms':>10} {'core ms':>9} "
        f"{'eval':>7} {'rows':>7} {'attr':>7} {'overhead':>9}  verdict"
    )
    overheads = []
    failed = []
    for name, doc in examples.items():
        py_eval, py_rows, py_attr, core_eval, core_rows, core_attr = ([] for _ in range(6))
        persons = 0
        for _ in range(args.repeat):
            dt, cohort = _timed(lambda doc=doc: ds.cohort(doc))
            py_eval.append(dt)
            core_eval.append(cohort._inner.core_seconds)
            py_rows.append(_timed(cohort.persons)[0])
            py_attr.append(_timed(cohort.attrition)[0])
            core_rows.append(_timed(cohort._inner.persons)[0])
            core_attr.append(_timed(cohort._inner.attrition)[0])
            persons = cohort.n_persons
        med = statistics.median
        parts_py = (med(py_eval), med(py_rows), med(py_attr))
        parts_core = (med(core_eval), med(core_rows), med(core_attr))
        w, c = sum(parts_py), sum(parts_core)
        overhead = w / c - 1 if c > 0 else 0.0
        overheads.append(overhead)
        part = [p / q - 1 if q > 0 else 0.0 for p, q in zip(parts_py, parts_core, strict=True)]
        if overhead <= args.budget:
            verdict = "within"
        elif (w - c) * 1e3 <= args.floor_ms:
            verdict = "floor"
        else:
            verdict = "OVER"
            failed.append(name)
        print(
            f"{name:<34} {persons:>9} {w * 1e3:>10.2f} {c * 1e3:>9.2f} "
            f"{part[0]:>7.1%} {part[1]:>7.1%} {part[2]:>7.1%} {overhead:>8.1%}  {verdict}"
        )
    median = statistics.median(overheads)
    print(
        f"Python overhead: median {median:.1%}, worst {max(overheads):.1%}; "
        f"budget {args.budget:.0%} per definition (floor {args.floor_ms} ms)"
    )
    if failed:
        print(f"OVER the budget: {', '.join(failed)}")
        return 1
    print("every definition within the budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
