"""Write the Parquet tables core/examples/bench.rs exports (events, patients, codes) again as Arrow
IPC streams (`<table>.arrow`), for the browser benchmark: DuckDB-WASM reads Arrow IPC with its
built-in Arrow support, while its Parquet reader is an extension it would fetch from the network.

    python bench/to_arrow_ipc.py bench-data/web
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.parquet as pq
from pyarrow import ipc

TABLES = ("events", "patients", "codes")


def main() -> int:
    data = Path(sys.argv[1] if len(sys.argv) > 1 else "bench-data/web")
    for name in TABLES:
        src = data / f"{name}.parquet"
        if not src.is_file():
            print(
                f"{src}: not found (run core/examples/bench.rs with --out {data} first)",
                file=sys.stderr,
            )
            return 1
        table = pq.read_table(src)
        dst = data / f"{name}.arrow"
        tmp = dst.with_suffix(".arrow.tmp")
        with ipc.new_stream(str(tmp), table.schema) as w:
            w.write_table(table)
        tmp.replace(dst)
        print(f"{dst}: {table.num_rows} rows, {dst.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
