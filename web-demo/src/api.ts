// The explorer's typed boundary with the wasm package: the only file (with worker.ts) that names
// the package's types, and the message protocol between the page and the worker that runs it.
import type {
  Aggregate,
  AttritionStep,
  CodeHit,
  Departement,
  ExampleDefinition,
  KaplanMeier,
  OutcomeSpec,
  Problem,
  Summary,
} from "./wasm/cohorte_wasm.js";

export type { Aggregate, AttritionStep, CodeHit, Departement, ExampleDefinition, KaplanMeier, Problem, Summary };

/** Disclosure threshold of the public view (PRODUCT.md §6). */
export const K = 10;

/** Code systems offered by the code search. */
export type System = "ATC" | "ICD10" | "CCAM";

/** The outcome of the survival curve. */
export type Outcome = OutcomeSpec;

/** One attrition step after disclosure control: a masked count is `null`. */
export interface ProtectedStep {
  name: string;
  persons: number | null;
  events: number | null;
  lostPersons: number | null;
}

export interface Results {
  attrition: ProtectedStep[];
  pyramid: Aggregate;
  depts: Aggregate;
  months: Aggregate;
  table1: Aggregate;
  km: KaplanMeier;
  /** Time of the cohort evaluation alone, then of evaluation and aggregates, in ms. */
  evalMillis: number;
  millis: number;
}

export type Request =
  | { id: number; type: "init" }
  | { id: number; type: "generate"; patients: number; seed: number; years: number }
  | { id: number; type: "search"; system: System; query: string; limit: number }
  | { id: number; type: "run"; definition: object; outcome: Outcome };

export interface InitReply {
  version: string;
  examples: ExampleDefinition[];
  departements: Departement[];
}

export type Reply =
  | { id: number; ok: true; type: "init"; value: InitReply }
  | { id: number; ok: true; type: "generate"; value: { summary: Summary; millis: number } }
  | { id: number; ok: true; type: "search"; value: CodeHit[] }
  | { id: number; ok: true; type: "run"; value: Results }
  | { id: number; ok: false; message: string; problems?: Problem[] };

type Payload<T extends Request["type"]> = Extract<Reply, { ok: true; type: T }>["value"];
type Args<T extends Request["type"]> = Omit<Extract<Request, { type: T }>, "id" | "type">;

/**
 * Masks the attrition with the public view's rule: a count of 1..k-1 persons is hidden, and so
 * is a loss computed from a hidden count (it would give the hidden count back by subtraction).
 */
export function protectAttrition(steps: AttritionStep[], k: number): ProtectedStep[] {
  const hide = (n: number): boolean => n > 0 && n < k;
  return steps.map((s, i) => {
    const prev = i > 0 ? steps[i - 1] : undefined;
    const persons = hide(s.persons) ? null : s.persons;
    const events = hide(s.events) || persons === null ? null : s.events;
    const lostHidden = persons === null || (prev !== undefined && hide(prev.persons)) || hide(s.lostPersons);
    return { name: s.name, persons, events, lostPersons: lostHidden ? null : s.lostPersons };
  });
}

/** Client side of the worker: one promise per request. */
export class Engine {
  private worker: Worker;
  private next = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: EngineError) => void }>();

  constructor() {
    this.worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    this.worker.onmessage = (ev: MessageEvent<Reply>) => {
      const r = ev.data;
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else p.reject(new EngineError(r.message, r.problems ?? []));
    };
  }

  call<T extends Request["type"]>(type: T, args: Args<T>): Promise<Payload<T>> {
    const id = this.next++;
    return new Promise<Payload<T>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, type, ...args } as Request);
    });
  }
}

export class EngineError extends Error {
  constructor(message: string, readonly problems: Problem[]) {
    super(message);
  }
}
