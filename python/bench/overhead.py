"""Python overhead over the core on the example definitions (`make bench-python`).

For each example definition, times `Dataset.cohort(definition)` from Python (argument conversion,
JSON parsing, GIL release, wrapping the result) against the core's own evaluation time, measured
inside the binding around the one core call (`Cohort._inner.core_seconds`). Prints the ratio per
definition and fails when the median overhead exceeds the budget (10 %).

    python bench/overhead.py [--patients 200000] [--repeat 7] [--budget 0.10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import cohorte
from cohorte import definition


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--budget", type=float, default=0.10)
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
    print(f"{'definition':<34} {'persons':>9} {'python ms':>10} {'core ms':>9} {'overhead':>9}")
    overheads = []
    for name, doc in examples.items():
        wall, core = [], []
        persons = 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            cohort = ds.cohort(doc)
            wall.append(time.perf_counter() - t)
            core.append(cohort._inner.core_seconds)
            persons = cohort.n_persons
        w, c = statistics.median(wall), statistics.median(core)
        overhead = w / c - 1 if c > 0 else 0.0
        overheads.append(overhead)
        print(f"{name:<34} {persons:>9} {w * 1e3:>10.2f} {c * 1e3:>9.2f} {overhead:>8.1%}")
    median = statistics.median(overheads)
    verdict = "within" if median <= args.budget else "OVER"
    print(f"median Python overhead: {median:.1%} ({verdict} the {args.budget:.0%} budget)")
    return 0 if median <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
