// The worker that owns the wasm module: the page never runs the engine on its main thread, so
// generation and evaluation never freeze the form. Each reply carries the request's id; an error
// carries the core's stable code, its message, and for a definition every problem.
import init, {
  codeLabel,
  Cohort,
  Dataset,
  departements,
  exampleDefinitions,
  OpenDataReader,
  regions,
  searchCodes,
  start,
  version,
  type CohorteError,
} from "./wasm/cohorte_wasm.js";
import { K, type EngineErrorCode, type Reply, type Request, type Results } from "./api";

let ready: Promise<unknown> | null = null;
/** Bytes of an open-data file read at a time. */
const OPEN_DATA_SLICE = 8 << 20;
let dataset: Dataset | null = null;
let cohort: Cohort | null = null;

function post(r: Reply): void {
  (self as unknown as Worker).postMessage(r);
}

/** An error raised by the worker itself (not by the core), with its code. */
class WorkerError extends Error {
  constructor(readonly code: EngineErrorCode, message: string) {
    super(message);
  }
}

function replaceDataset(next: () => Dataset): Dataset {
  stopWarmUp();
  cohort?.free();
  cohort = null;
  dataset?.free();
  dataset = null;
  dataset = next();
  return dataset;
}

// ---- warm-up ----
// The browser runs a wasm function with its baseline compiler first and compiles it with its
// optimising one in the background once it has run a while: the first evaluations after a page
// load are two to three times slower than the next ones (on 200,000 patients: 75 ms, then 25 ms
// for a cohort and its aggregates). So once a population is loaded the worker evaluates the
// example definitions with the explorer's aggregates, three rounds, untimed and unseen, one per
// task and only when no request came for 150 ms: a request waits for one of them at most, and
// the user's cohorts soon run on optimised code. The page is told when it is done.
const WARM_ROUNDS = 3;
const WARM_IDLE_MS = 150;
let warmUp: ReturnType<typeof setTimeout> | null = null;
let lastRequest = 0;
function stopWarmUp(): void {
  if (warmUp !== null) clearTimeout(warmUp);
  warmUp = null;
}
function startWarmUp(ds: Dataset): void {
  stopWarmUp();
  const jobs = exampleDefinitions().map((e) => e.json);
  let n = 0;
  const step = () => {
    warmUp = null;
    if (ds !== dataset) return;
    if (n >= WARM_ROUNDS * jobs.length) { post({ id: 0, warmed: true }); return; }
    const idle = performance.now() - lastRequest;
    if (idle < WARM_IDLE_MS) { warmUp = setTimeout(step, WARM_IDLE_MS - idle); return; }
    try {
      const c = ds.cohort(jobs[n % jobs.length]);
      try { aggregates(c); } finally { c.free(); }
    } catch {
      // a definition the data cannot answer warms nothing; the user's own runs report errors
    }
    n++;
    warmUp = setTimeout(step, 0);
  };
  warmUp = setTimeout(step, 0);
}

/** The aggregates the explorer shows, protected at k. */
function aggregates(c: Cohort, outcome: Parameters<Cohort["km"]>[0] = "death") {
  return {
    attrition: c.protectedAttrition(K),
    pyramid: c.counts({ dims: [{ ageBand: "five" }, "sex"] }, K),
    depts: c.counts({ dims: ["dept"] }, K),
    months: c.counts({ dims: ["month"] }, K),
    table1: c.table1({ lookbackDays: 365, atcLevel: 2 }, K),
    km: c.km(outcome, { times: [0, 90, 180, 365, 730] }, K),
  };
}

async function handle(req: Request): Promise<Reply> {
  ready ??= init().then(() => start());
  await ready;
  switch (req.type) {
    case "init":
      return {
        id: req.id, ok: true, type: "init",
        value: { version: version(), examples: exampleDefinitions(), departements: departements(), regions: regions() },
      };
    case "generate": {
      const t0 = performance.now();
      const onProgress = (done: number, total: number) => post({ id: req.id, progress: { done, total } });
      const ds = replaceDataset(() => Dataset.synthetic({ patients: req.patients, seed: req.seed, years: req.years }, onProgress));
      startWarmUp(ds);
      return { id: req.id, ok: true, type: "generate", value: { summary: ds.summary(), millis: performance.now() - t0 } };
    }
    case "openFiles": {
      const t0 = performance.now();
      // read every file first: a bad file leaves the current dataset in place
      const next = Dataset.fromFiles(req.files);
      const ds = replaceDataset(() => next);
      startWarmUp(ds);
      return {
        id: req.id, ok: true, type: "openFiles",
        value: { summary: ds.summary(), millis: performance.now() - t0, files: req.files.map((f) => f.name) },
      };
    }
    case "openData": {
      // read by slices: a file of hundreds of MB never sits whole in memory; a bad file leaves
      // nothing behind (the reader is freed on error)
      const reader = new OpenDataReader(req.file.name);
      try {
        const size = req.file.size;
        for (let at = 0; at < size; at += OPEN_DATA_SLICE) {
          reader.push(new Uint8Array(await req.file.slice(at, at + OPEN_DATA_SLICE).arrayBuffer()));
          post({ id: req.id, progress: { done: Math.min(at + OPEN_DATA_SLICE, size), total: size } });
        }
        return { id: req.id, ok: true, type: "openData", value: reader.finish() };
      } finally {
        reader.free();
      }
    }
    case "search":
      return { id: req.id, ok: true, type: "search", value: searchCodes(req.system, req.query, req.limit) };
    case "labels":
      return {
        id: req.id, ok: true, type: "labels",
        value: req.codes.map((code) => {
          const label = codeLabel(req.system, code) ?? null;
          // not a code itself: a prefix of codes when the search (exact prefixes first) finds one
          const under = label === null && code !== "" && (searchCodes(req.system, code, 1)[0]?.code.startsWith(code) ?? false);
          return { code, label, under };
        }),
      };
    case "run": {
      if (!dataset) throw new WorkerError("no_data", "generate a population or open SNDS files first");
      const t0 = performance.now();
      const next = dataset.cohort(req.definition);
      const evalMillis = performance.now() - t0;
      cohort?.free();
      cohort = next;
      const results: Results = { ...aggregates(next, req.outcome), evalMillis, millis: 0 };
      results.millis = performance.now() - t0;
      return { id: req.id, ok: true, type: "run", value: results };
    }
  }
}

self.onmessage = (ev: MessageEvent<Request | { id: 0; type: "__crash" }>) => {
  const req = ev.data;
  if (req.type === "__crash") {
    // an uncaught error outside any request, as a crash of the worker would be
    setTimeout(() => { throw new Error("deliberate worker crash (test hook)"); });
    return;
  }
  lastRequest = performance.now();
  handle(req).finally(() => { lastRequest = performance.now(); }).then(post, (e: unknown) => {
    const err = (e ?? {}) as Partial<CohorteError> & { code?: string };
    const code = (typeof err.code === "string" ? err.code : "unknown") as EngineErrorCode;
    const message = typeof err.message === "string" ? err.message : String(e);
    post({ id: req.id, ok: false, code, message, problems: err.problems ?? [] });
  });
};
