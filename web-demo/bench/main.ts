// The browser benchmark page: the example definitions evaluated by the cohorte wasm package and
// their SQL equivalents (bench/queries.sql, the text DuckDB runs natively in bench/peers.py) by
// DuckDB-WASM, in this page, on the same data:
// - cohorte generates the synthetic population in the page from its size and seed;
// - DuckDB-WASM loads the export of the same population that core/examples/bench.rs wrote
//   (served beside this page under data/ as Arrow IPC, with the native engine's persons per
//   definition) into in-memory tables, before any timing.
// Both must return exactly the native engine's persons. Driven by e2e/bench.mjs through
// `window.cohorteBench.run()`; everything is loaded from this page's origin.
import * as duckdb from "@duckdb/duckdb-wasm";
import duckdbModule from "@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url";
import duckdbWorker from "@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url";
import sqlText from "../../bench/queries.sql?raw";
import init, { Dataset, exampleDefinitions, version } from "../src/wasm/cohorte_wasm.js";

export interface BenchOptions {
  patients: number;
  seed: number;
  /** Runs per definition and engine; the best is kept. */
  repeat: number;
}

export interface DefinitionTiming {
  name: string;
  persons: number;
  /** Best cohort evaluation in the wasm package, ms (mean of the best of 20 batches of `wasmBatch` runs). */
  wasmMs: number;
  wasmBatch: number;
  /** Best run of the SQL equivalent in DuckDB-WASM (result fetched as Arrow), ms. */
  duckdbMs: number;
  /** Both returned exactly the native engine's persons. */
  samePersons: boolean;
  mismatch?: string;
}

export interface BenchResult {
  cohorteVersion: string;
  duckdbVersion: string;
  patients: number;
  events: number;
  /** `await init()` of the cohorte wasm module, ms. */
  wasmInitMs: number;
  /** `Dataset.synthetic`: generation and event store, ms. */
  generationMs: number;
  /** DuckDB-WASM start (worker, module) and the tables' load from Arrow IPC, ms. */
  duckdbStartMs: number;
  duckdbLoadMs: number;
  definitions: DefinitionTiming[];
}

/** The sections of queries.sql by name: each starts with a line `-- name: <name>` (the same
 * rule as `load_sql` in bench/queries.py). */
export function sqlSections(text: string): Map<string, string> {
  const parts = text.split(/^-- name: (\w+)\s*$/m);
  const out = new Map<string, string>();
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const name = parts[i] as string;
    const body = (parts[i + 1] as string).trim();
    if (out.has(name)) throw new Error(`queries.sql: section ${name} appears twice`);
    if (!body) throw new Error(`queries.sql: section ${name} is empty`);
    out.set(name, body);
  }
  return out;
}

const statusEl = document.getElementById("status");
const logEl = document.getElementById("log");
function log(line: string): void {
  if (statusEl) statusEl.textContent = line;
  if (logEl) logEl.textContent += line + "\n";
}

async function fetchOk(path: string): Promise<Response> {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} (run core/examples/bench.rs into the bench's data/ folder)`);
  return r;
}

function sortedUnique(xs: Iterable<number>): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

/** First difference between two sorted lists of persons, for the report. */
function difference(label: string, got: number[], want: number[]): string | undefined {
  if (got.length === want.length && got.every((x, i) => x === want[i])) return undefined;
  const w = new Set(want);
  const g = new Set(got);
  const extra = got.filter((x) => !w.has(x)).slice(0, 5);
  const missing = want.filter((x) => !g.has(x)).slice(0, 5);
  return `${label}: ${got.length} persons, native ${want.length}; extra [${extra.join(", ")}], missing [${missing.join(", ")}]`;
}

async function run(opts: BenchOptions): Promise<BenchResult> {
  const repeat = Math.max(1, opts.repeat);
  const sql = sqlSections(sqlText);
  let t = performance.now();
  await init();
  const wasmInitMs = performance.now() - t;

  const native = (await (await fetchOk("data/native.json")).json()) as { patients: number; seed: number };
  if (native.patients !== opts.patients || native.seed !== opts.seed) {
    throw new Error(`data/ holds ${native.patients} patients of seed ${native.seed}, not ${opts.patients} of seed ${opts.seed}`);
  }
  const span = (await (await fetchOk("data/span.json")).json()) as { data_start: number; data_end: number };

  log(`generating ${opts.patients} patients (seed ${opts.seed}) with the wasm package…`);
  t = performance.now();
  // a no-op progress callback: accepted whether the package's `synthetic` takes one or not
  const synthetic = Dataset.synthetic as unknown as
    (o: { patients: number; seed: number }, onProgress: (done: number, total: number) => void) => Dataset;
  const ds = synthetic.call(Dataset, { patients: opts.patients, seed: opts.seed }, () => {});
  const generationMs = performance.now() - t;

  log("starting DuckDB-WASM…");
  t = performance.now();
  const worker = new Worker(duckdbWorker);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(duckdbModule);
  const conn = await db.connect();
  // nothing is fetched from an extension repository: parquet is built into the module
  await conn.query("SET autoinstall_known_extensions = false");
  await conn.query("SET autoload_known_extensions = false");
  const duckdbStartMs = performance.now() - t;
  const duckdbVersion = await db.getVersion();

  // The export as Arrow IPC streams (bench/to_arrow_ipc.py): DuckDB-WASM reads them with its
  // built-in Arrow support (its Parquet reader is an extension fetched from the network). The
  // setup statements of queries.sql then read these tables where natively they read the files.
  log("loading the export into DuckDB-WASM tables…");
  t = performance.now();
  for (const table of ["events", "patients", "codes"]) {
    const bytes = new Uint8Array(await (await fetchOk(`data/${table}.arrow`)).arrayBuffer());
    await conn.insertArrowFromIPCStream(bytes, { name: `${table}_arrow`, create: true });
    const k = `setup_${table}`;
    const stmt = sql.get(k);
    if (!stmt) throw new Error(`queries.sql: no section ${k}`);
    const from = `read_parquet('${table}.parquet')`;
    if (!stmt.includes(from)) throw new Error(`queries.sql: section ${k} does not read ${from}`);
    await conn.query(stmt.replace(from, `${table}_arrow`)
      .replaceAll("{data_start}", String(span.data_start)).replaceAll("{data_end}", String(span.data_end)));
    await conn.query(`DROP TABLE ${table}_arrow`);
  }
  const duckdbLoadMs = performance.now() - t;
  const counts = (await conn.query("SELECT (SELECT count(*) FROM events) AS e, (SELECT count(*) FROM patients) AS p")).toArray()[0] as { e: bigint; p: bigint };
  if (Number(counts.e) !== ds.events || Number(counts.p) !== ds.patients) {
    throw new Error(`not the same data: DuckDB holds ${counts.p} patients and ${counts.e} events, the wasm dataset ${ds.patients} and ${ds.events}`);
  }

  const definitions: DefinitionTiming[] = [];
  for (const ex of exampleDefinitions()) {
    const query = sql.get(ex.name);
    if (!query) { log(`${ex.name}: no SQL equivalent in queries.sql, skipped`); continue; }
    const want = sortedUnique(
      (await (await fetchOk(`data/persons_${ex.name}.txt`)).text()).split(/\s+/).filter(Boolean).map(Number));
    log(`${ex.name}: cohorte wasm…`);
    // The page's clock ticks in 0.1 ms: short evaluations are timed in batches of `batch` runs
    // (about 10 ms each), and the best batch is kept (the minimum, like the native engine's best
    // of its runs, is what stays stable on a machine shared with other work).
    let t0 = performance.now();
    const first = ds.cohort(ex.json);
    const once = performance.now() - t0;
    const wasmPersons = sortedUnique(first.personIndices());
    first.free();
    // Warm-up, untimed: the browser compiles the module's functions with its baseline compiler
    // first and with its optimising one in the background once they run hot; 200 ms of runs
    // let that finish, so the timing below is of the optimised code (as native is).
    const warm0 = performance.now();
    let warmRuns = 0;
    while (performance.now() - warm0 < 200 || warmRuns < 3) { ds.cohort(ex.json).free(); warmRuns++; }
    const warmed = (performance.now() - warm0) / warmRuns;
    const batch = Math.max(1, Math.ceil(10 / Math.max(Math.min(once, warmed), 0.05)));
    // Three rounds of 20 batches, 100 ms apart: on a machine shared with other work a slow spell
    // can last longer than one round, and the best of the rounds is what the code can do.
    let wasmMs = Infinity;
    for (let round = 0; round < 3; round++) {
      if (round > 0) await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < Math.max(20, repeat); i++) {
        t0 = performance.now();
        for (let j = 0; j < batch; j++) ds.cohort(ex.json).free();
        wasmMs = Math.min(wasmMs, (performance.now() - t0) / batch);
      }
    }
    log(`${ex.name}: DuckDB-WASM…`);
    let duckdbMs = Infinity;
    let duckPersons: number[] = [];
    for (let i = 0; i < repeat; i++) {
      t0 = performance.now();
      const table = await conn.query(query);
      const col = table.getChild("patient");
      const ids = col ? Array.from(col.toArray() as ArrayLike<number | bigint>, Number) : [];
      const dt = performance.now() - t0;
      duckdbMs = Math.min(duckdbMs, dt);
      duckPersons = sortedUnique(ids);
    }
    const mismatch = [difference("wasm", wasmPersons, want), difference("DuckDB-WASM", duckPersons, want)]
      .filter(Boolean).join("; ") || undefined;
    definitions.push({ name: ex.name, persons: want.length, wasmMs, wasmBatch: batch, duckdbMs, samePersons: !mismatch, ...(mismatch ? { mismatch } : {}) });
    log(`${ex.name}: ${want.length} persons; wasm ${wasmMs.toFixed(1)} ms, DuckDB-WASM ${duckdbMs.toFixed(1)} ms${mismatch ? ` — ${mismatch}` : ""}`);
  }
  const events = ds.events;
  ds.free();
  await conn.close();
  await db.terminate();
  worker.terminate();
  log("done");
  return {
    cohorteVersion: version(), duckdbVersion, patients: opts.patients, events, wasmInitMs, generationMs,
    duckdbStartMs, duckdbLoadMs, definitions,
  };
}

declare global {
  interface Window { cohorteBench: { run: (opts: BenchOptions) => Promise<BenchResult> } }
}
window.cohorteBench = { run };
document.body.dataset.ready = "true";
log("ready");
