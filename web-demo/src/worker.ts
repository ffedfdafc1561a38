// The worker that owns the wasm module: the page never runs the engine on its main thread, so
// generation and evaluation never freeze the form. Each reply carries the request's id; an error
// carries the core's stable code, its message, and for a definition every problem.
import init, {
  codeLabel,
  Cohort,
  Dataset,
  departements,
  exampleDefinitions,
  readOpenData,
  regions,
  searchCodes,
  start,
  version,
  type CohorteError,
} from "./wasm/cohorte_wasm.js";
import { K, type EngineErrorCode, type Reply, type Request, type Results } from "./api";

let ready: Promise<unknown> | null = null;
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
  cohort?.free();
  cohort = null;
  dataset?.free();
  dataset = null;
  dataset = next();
  return dataset;
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
      return { id: req.id, ok: true, type: "generate", value: { summary: ds.summary(), millis: performance.now() - t0 } };
    }
    case "openFiles": {
      const t0 = performance.now();
      // read every file first: a bad file leaves the current dataset in place
      const next = Dataset.fromFiles(req.files);
      const ds = replaceDataset(() => next);
      return {
        id: req.id, ok: true, type: "openFiles",
        value: { summary: ds.summary(), millis: performance.now() - t0, files: req.files.map((f) => f.name) },
      };
    }
    case "openData":
      return { id: req.id, ok: true, type: "openData", value: readOpenData(req.file.name, req.file.bytes) };
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
      const results: Results = {
        attrition: next.protectedAttrition(K),
        pyramid: next.counts({ dims: [{ ageBand: "five" }, "sex"] }, K),
        depts: next.counts({ dims: ["dept"] }, K),
        months: next.counts({ dims: ["month"] }, K),
        table1: next.table1({ lookbackDays: 365, atcLevel: 2 }, K),
        km: next.km(req.outcome, { times: [0, 90, 180, 365, 730] }, K),
        evalMillis,
        millis: 0,
      };
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
  handle(req).then(post, (e: unknown) => {
    const err = (e ?? {}) as Partial<CohorteError> & { code?: string };
    const code = (typeof err.code === "string" ? err.code : "unknown") as EngineErrorCode;
    const message = typeof err.message === "string" ? err.message : String(e);
    post({ id: req.id, ok: false, code, message, problems: err.problems ?? [] });
  });
};
