//! TypeScript declarations of the option objects and plain results, added to the `.d.ts` that
//! wasm-bindgen writes (the explorer type-checks against it with `tsc --noEmit`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Error thrown by every function of the package. */
export interface CohorteError extends Error {
  name: "CohorteError";
  /** Stable code of the core's error kind, or `panic` for an internal error. */
  code: ErrorCode;
  /** For `invalid_definition`: every problem with its JSON path. */
  problems?: Problem[];
}

export type ErrorCode =
  | "file_not_found" | "io" | "missing_column" | "bad_value" | "format" | "unknown_table"
  | "unknown_code_system" | "invalid_definition" | "invalid_argument" | "aggregate"
  | "arrow" | "parquet" | "internal" | "panic";

/** One problem of a cohort definition. */
export interface Problem {
  /** JSON path such as `inclusion[2].window.start`. */
  path: string;
  message: string;
  severity: "error" | "warning";
}

/** Options of `Dataset.synthetic` (every field optional). */
export interface SynthOptions {
  /** Number of patients (default 10000). */
  patients?: number;
  /** Seed of the random streams (default 0). */
  seed?: number | bigint;
  /** Number of calendar years covered (default 5). */
  years?: number;
  /** First calendar year (default 2019). */
  startYear?: number;
}

/** What a dataset holds. */
export interface Summary {
  patients: number;
  events: number;
  /** First day of the data, `YYYY-MM-DD`. */
  dataStart: string;
  /** Last day of the data, `YYYY-MM-DD`. */
  dataEnd: string;
  [key: string]: unknown;
}

/** One result of `searchCodes`. */
export interface CodeHit {
  system: "ATC" | "CIP13" | "ICD10" | "CCAM";
  code: string;
  label: string;
}
"#;
