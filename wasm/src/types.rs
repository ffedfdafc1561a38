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
  /** Rows removed on load by each quality filter (empty for a generated population). */
  filters: { table: string; filter: string; rowsRemoved: number }[];
  [key: string]: unknown;
}

/** A file for `Dataset.fromFiles`: its name (`ER_PHA_F.parquet`) and its bytes. */
export interface FileInput {
  name: string;
  bytes: Uint8Array;
}

/** An open-data file read by `readOpenData` or an `OpenDataReader`. */
export interface OpenDataFile {
  /** The layout told by the header. */
  layout: "open_medic" | "open_medic_consumers" | "open_phmev" | "open_bio" | "open_lpp"
    | "open_damir" | "data_pathologies";
  file: string;
  /** The encoding the file was read in. */
  encoding: "ascii" | "utf-8" | "utf-8-bom" | "windows-1252";
  rows: number;
  /** The layout's columns found in the file, in layout order. */
  columns: string[];
  /** Each column's values in file order; an empty cell (masked at source) is `null`. */
  data: Record<string, (string | number | null)[]>;
  /** Cells restored from spreadsheet damage, by column (`cla_age_5`, `dept`). */
  repaired: Record<string, number>;
  /** What was restored, in sentences for the user. */
  notes: string[];
}

/** One result of `searchCodes`. */
export interface CodeHit {
  system: "ATC" | "CIP13" | "ICD10" | "CCAM";
  code: string;
  label: string;
}
/** A French département; `Dataset` patients refer to them by index in `departements()`. */
export interface Departement {
  /** INSEE code: `01`..`95`, `2A`, `2B`, `971`..`976`. */
  code: string;
  name: string;
  /** INSEE code of its region (2016 regions). */
  region: number;
  /** Legal population (INSEE). */
  population: number;
}

/** A French region (2016 boundaries). */
export interface Region {
  code: number;
  name: string;
}

/** One example of the core's definition library. */
export interface ExampleDefinition {
  name: string;
  /** The definition as JSON text. */
  json: string;
}

/** One step of the attrition: the entry (first), then each inclusion rule in order. */
export interface AttritionStep {
  /** `entry` for the first step, else the rule's name. */
  name: string;
  /** Persons with an index event left after this step (and every earlier one). */
  persons: number;
  /** Index events left after this step. */
  events: number;
  lostPersons: number;
  lostEvents: number;
  /** Persons this rule alone would keep (other rules ignored). */
  alonePersons: number;
  aloneEvents: number;
}

/** One step of a protected attrition: a masked cell is `null` with its flag set. */
export interface ProtectedStep {
  name: string;
  persons: number | null;
  personsMasked: boolean;
  events: number | null;
  eventsMasked: boolean;
  lostPersons: number | null;
  lostPersonsMasked: boolean;
  lostEvents: number | null;
  lostEventsMasked: boolean;
}

/** The attrition after disclosure control (`Cohort.protectedAttrition`). */
export interface ProtectedAttrition {
  /** No count shown, nor any difference of two counts shown, is from 1 to k − 1. */
  k: number;
  /** The dataset's number of patients, also compared with the entry count. */
  population: number | null;
  steps: ProtectedStep[];
  notes: string[];
}

/** A value of an aggregate cell: `null` for a masked cell or a margin. */
export type Cell = string | number | boolean | null;

/**
 * A protected aggregate table. Column names are the core's (`persons`, `person_years`...);
 * each count or derived column `c` is followed by a boolean `c_masked` column, and a masked
 * cell is `null`.
 */
export interface Aggregate {
  name: string;
  /** The disclosure threshold the table was protected with. */
  k: number;
  columns: string[];
  rows: Record<string, Cell>[];
  /** Notes on method and masking. */
  notes: string[];
}

/** The three tables of a Kaplan–Meier analysis, protected together. */
export interface KaplanMeier {
  curve: Aggregate;
  atRisk: Aggregate;
  summary: Aggregate;
}

/** Age bandings of the `ageBand` stratum. */
export type AgeBands = "five" | "ten" | "open_medic" | "open_damir" | { custom: number[] };

/** A stratum: `"sex"`, `"region"`, `"dept"`, `"year"`, `"month"` or `{ ageBand: AgeBands }`. */
export type Dim = "sex" | "region" | "dept" | "year" | "month" | { ageBand: AgeBands } | { age_band: AgeBands };

export interface CountOptions {
  dims?: Dim[];
  /** Add margins: one row per subset of the strata, the left-out strata null. */
  margins?: boolean;
}

export interface RateOptions {
  dims?: Dim[];
  margins?: boolean;
  /** Incidence rates per this many person-years (default 100000). */
  per?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  /** Keep only each person's first entry (default true). */
  firstEntryOnly?: boolean;
}

export interface KmOptions {
  /** Days after index for the numbers-at-risk table. */
  times?: number[];
  level?: number;
  firstEntryOnly?: boolean;
}

export interface Table1Options {
  /** Look-back window in days before index (default 365). */
  lookbackDays?: number;
  /** ATC level of the drug classes, 1–5 (default 2). */
  atcLevel?: number;
  /** One row per ICD-10 chapter (default true). */
  chapters?: boolean;
  /** Label of this cohort's column (default `cohort`). */
  name?: string;
  /** Label of the other cohort's column in `table1With` (default `other`). */
  otherName?: string;
}

export interface PathwayOptions {
  /** ATC level of the classes, 1–5 (default 2). */
  atcLevel?: number;
  /** Treatment lines kept (default 3). */
  maxLines?: number;
}

export type EventType = "dispensing" | "diagnosis" | "stay" | "act" | "ald";

/** One outcome code: the code and its descendants (`I21` = every I21x). */
export type OutcomeCode =
  | { event: EventType; system: string; code: string }
  | [EventType, string, string];

/** An outcome: death, or the first of these codes after index. */
export type OutcomeSpec = "death" | OutcomeCode[];
"#;
