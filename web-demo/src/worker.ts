// The worker that owns the wasm module: the page never runs the engine on its main thread, so
// generation and evaluation never freeze the form.
import init, {
  Cohort,
  Dataset,
  departements,
  exampleDefinitions,
  searchCodes,
  start,
  version,
  type CohorteError,
} from "./wasm/cohorte_wasm.js";
import { K, protectAttrition, type Reply, type Request, type Results } from "./api";

let ready: Promise<unknown> | null = null;
let dataset: Dataset | null = null;
let cohort: Cohort | null = null;

function post(r: Reply): void {
  (self as unknown as Worker).postMessage(r);
}

async function handle(req: Request): Promise<Reply> {
  ready ??= init().then(() => start());
  await ready;
  switch (req.type) {
    case "init":
      return {
        id: req.id, ok: true, type: "init",
        value: { version: version(), examples: exampleDefinitions(), departements: departements() },
      };
    case "generate": {
      const t0 = performance.now();
      cohort?.free();
      cohort = null;
      dataset?.free();
      dataset = null;
      dataset = Dataset.synthetic({ patients: req.patients, seed: req.seed, years: req.years });
      return { id: req.id, ok: true, type: "generate", value: { summary: dataset.summary(), millis: performance.now() - t0 } };
    }
    case "search":
      return { id: req.id, ok: true, type: "search", value: searchCodes(req.system, req.query, req.limit) };
    case "run": {
      if (!dataset) throw new Error("generate a population first");
      const t0 = performance.now();
      const next = dataset.cohort(req.definition);
      const evalMillis = performance.now() - t0;
      cohort?.free();
      cohort = next;
      const results: Results = {
        attrition: protectAttrition(next.attrition(), K),
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

self.onmessage = (ev: MessageEvent<Request>) => {
  const req = ev.data;
  handle(req).then(post, (e: unknown) => {
    const err = e as Partial<CohorteError>;
    post({ id: req.id, ok: false, message: String(err.message ?? e), problems: err.problems ?? [] });
  });
};
