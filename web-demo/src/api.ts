// The explorer's typed boundary with the wasm package: the only file (with worker.ts) that names
// the package's types, and the message protocol between the page and the worker that runs it.
import type {
  Aggregate,
  CodeHit,
  Departement,
  ErrorCode,
  ExampleDefinition,
  KaplanMeier,
  OpenDataFile,
  OutcomeSpec,
  Problem,
  ProtectedAttrition,
  Region,
  ProtectedStep,
  Summary,
} from "./wasm/cohorte_wasm.js";

export type {
  Aggregate, CodeHit, Departement, ExampleDefinition, KaplanMeier, OpenDataFile, Problem, ProtectedAttrition,
  ProtectedStep, Summary,
};

/** Disclosure threshold of the public view (docs/decisions.md §6). */
export const K = 10;

/** Code systems offered by the code search. */
export type System = "ATC" | "ICD10" | "CCAM";

/** The outcome of the survival curve. */
export type Outcome = OutcomeSpec;

/** A file opened in the page, handed to the worker. */
export interface FileBytes {
  name: string;
  bytes: Uint8Array;
}

export interface Results {
  /** The attrition after the core's disclosure control (`Cohort.protectedAttrition`). */
  attrition: ProtectedAttrition;
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
  | { id: number; type: "openFiles"; files: FileBytes[] }
  | { id: number; type: "openData"; file: File }
  | { id: number; type: "search"; system: System; query: string; limit: number }
  | { id: number; type: "labels"; system: string; codes: string[] }
  | { id: number; type: "run"; definition: object; outcome: Outcome };

/**
 * The label of one code from the core's referential (`codeLabel`): `label` when the code is in
 * it, else `under` tells whether codes of the referential start with it (a prefix, such as
 * `A10BA0`, read as the codes under it).
 */
export interface CodeLabel {
  code: string;
  label: string | null;
  under: boolean;
}

export interface InitReply {
  version: string;
  examples: ExampleDefinition[];
  departements: Departement[];
  regions: Region[];
}

/** Error codes of the explorer itself, beside the core's. */
export type EngineErrorCode = ErrorCode | "worker_crashed" | "no_data" | "unknown";

export type Reply =
  | { id: number; ok: true; type: "init"; value: InitReply }
  | { id: number; ok: true; type: "generate"; value: { summary: Summary; millis: number } }
  | { id: number; ok: true; type: "openFiles"; value: { summary: Summary; millis: number; files: string[] } }
  | { id: number; ok: true; type: "openData"; value: OpenDataFile }
  | { id: number; ok: true; type: "search"; value: CodeHit[] }
  | { id: number; ok: true; type: "labels"; value: CodeLabel[] }
  | { id: number; ok: true; type: "run"; value: Results }
  | { id: number; ok: false; code: EngineErrorCode; message: string; problems?: Problem[] }
  /** Progress of a long request: `done` of `total` units (patients). */
  | { id: number; progress: { done: number; total: number } }
  /** Not a reply: the engine finished warming up on the data loaded (see worker.ts). */
  | { id: 0; warmed: true };

type Payload<T extends Request["type"]> = Extract<Reply, { ok: true; type: T }>["value"];
type Args<T extends Request["type"]> = Omit<Extract<Request, { type: T }>, "id" | "type">;
type Pending = {
  resolve: (v: unknown) => void;
  reject: (e: EngineError) => void;
  onProgress?: (done: number, total: number) => void;
};

/**
 * Client side of the worker: one promise per request. If the worker dies (an uncaught error, or
 * a panic: the module is built with `panic = "abort"` and cannot be used after one), every
 * pending request is rejected with the cause, a fresh worker is started, and `onRestart` tells
 * the page, whose data then has to be generated or opened again.
 */
export class Engine {
  private worker!: Worker;
  private next = 1;
  private pending = new Map<number, Pending>();
  /** Called after the worker was restarted, with the error that killed it. */
  onRestart: (cause: EngineError) => void = () => {};
  /** Called when the engine has warmed up on the data loaded (its code optimised by the browser). */
  onWarm: () => void = () => {};
  /** Times the worker was restarted. */
  restarts = 0;

  constructor() {
    this.start();
  }

  private start(): void {
    const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    this.worker = worker;
    worker.onmessage = (ev: MessageEvent<Reply>) => {
      const r = ev.data;
      if ("warmed" in r) { this.onWarm(); return; }
      const p = this.pending.get(r.id);
      if (!p) return;
      if ("progress" in r) {
        p.onProgress?.(r.progress.done, r.progress.total);
        return;
      }
      this.pending.delete(r.id);
      if (r.ok) {
        p.resolve(r.value);
        return;
      }
      const err = new EngineError(r.message, r.code, r.problems ?? []);
      p.reject(err);
      // after a panic the module's state is undefined: start afresh
      if (r.code === "panic") this.restart(err);
    };
    worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      this.restart(new EngineError(ev.message || "the worker failed unexpectedly", "worker_crashed", []));
    };
    worker.onmessageerror = () => {
      this.restart(new EngineError("the engine sent a message that could not be read", "worker_crashed", []));
    };
  }

  /** Reject every pending request with `cause`, replace the worker, tell the page. */
  private restart(cause: EngineError): void {
    this.worker.onmessage = null;
    this.worker.onerror = null;
    this.worker.terminate();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(cause);
    this.restarts += 1;
    this.start();
    this.onRestart(cause);
  }

  call<T extends Request["type"]>(
    type: T, args: Args<T>, opts: { onProgress?: (done: number, total: number) => void; transfer?: Transferable[] } = {},
  ): Promise<Payload<T>> {
    const id = this.next++;
    return new Promise<Payload<T>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress: opts.onProgress });
      this.worker.postMessage({ id, type, ...args } as Request, opts.transfer ?? []);
    });
  }

  /** Make the worker fail as a crash would (a test hook: `?test-hooks` in the address). */
  crashForTests(): void {
    this.worker.postMessage({ id: 0, type: "__crash" });
  }
}

/** An error of the engine: the core's stable `code`, and for a definition its problems. */
export class EngineError extends Error {
  constructor(message: string, readonly code: EngineErrorCode, readonly problems: Problem[]) {
    super(message);
    this.name = "EngineError";
  }
}
