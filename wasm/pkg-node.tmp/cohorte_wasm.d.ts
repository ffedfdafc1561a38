/* tslint:disable */
/* eslint-disable */

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



/**
 * A cohort: one row per entry (person, index date, exit date) and its attrition.
 */
export class Cohort {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * The attrition as an Arrow IPC stream (columns of `Attrition::to_record_batch`).
     */
    attritionIpc(): Uint8Array;
    /**
     * The attrition: the entry, then one step per inclusion rule (empty for the result of a
     * set operation).
     */
    attrition(): AttritionStep[];
    /**
     * Counts of persons and entries by strata at index.
     */
    counts(options: CountOptions | undefined, k?: number | null): Aggregate;
    /**
     * Periods of this cohort outside the other's.
     */
    difference(other: Cohort): Cohort;
    /**
     * Exit date (inclusive) of each row, in days since 1970-01-01.
     */
    exitDates(): Int32Array;
    /**
     * Incidence of an outcome during follow-up, per `per` person-years.
     */
    incidence(outcome: OutcomeSpec, options: RateOptions | undefined, k?: number | null): Aggregate;
    /**
     * Index date of each row, in days since 1970-01-01 (Arrow's Date32).
     */
    indexDates(): Int32Array;
    /**
     * Periods common to both cohorts.
     */
    intersection(other: Cohort): Cohort;
    /**
     * Kaplan–Meier analysis of the time to an outcome: `{curve, atRisk, summary}`, protected
     * together.
     */
    km(outcome: OutcomeSpec, options: KmOptions | undefined, k?: number | null): KaplanMeier;
    /**
     * Treatment pathways after index: sequences of drug classes.
     */
    pathways(options: PathwayOptions | undefined, k?: number | null): Aggregate;
    /**
     * `BEN_NIR_PSA` of each row.
     */
    personIds(): string[];
    /**
     * Patient index (in the dataset) of each row.
     */
    personIndices(): Uint32Array;
    /**
     * The rows as an Arrow IPC stream: `person_id` (Utf8), `index_date`, `exit_date` (Date32,
     * exit inclusive). `tableFromIPC(bytes)` of apache-arrow reads it.
     */
    persons(): Uint8Array;
    /**
     * Prevalence of the cohort at a date (`YYYY-MM-DD`) among the persons observed that day.
     */
    prevalence(date: string, options: RateOptions | undefined, k?: number | null): Aggregate;
    /**
     * Baseline characteristics of this cohort and `other` (a cohort of the same dataset) side
     * by side. `options.name` / `options.otherName` label the columns (default `cohort` /
     * `other`).
     */
    table1With(other: Cohort, options: Table1Options | undefined, k?: number | null): Aggregate;
    /**
     * Baseline characteristics ("Table 1") of this cohort. `options.name` labels its column
     * (default `cohort`).
     */
    table1(options: Table1Options | undefined, k?: number | null): Aggregate;
    /**
     * Entries of either cohort (overlapping periods merged).
     */
    union(other: Cohort): Cohort;
    /**
     * Number of entries (rows).
     */
    readonly nEntries: number;
    /**
     * Number of distinct persons.
     */
    readonly nPersons: number;
}

/**
 * A population of patients and their events.
 */
export class Dataset {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Evaluate a cohort definition (JSON text or the parsed object) on this dataset.
     */
    cohort(definition: string | object): Cohort;
    /**
     * SHA-256 (hex) of the population's canonical serialisation: equal digests, equal data.
     */
    digest(): string;
    /**
     * A small hand-written population in the JSON format of the shared cohort fixtures
     * (`fixtures/README.md`).
     */
    static fromPopulationJson(text: string): Dataset;
    /**
     * What the dataset holds: patients, events, period.
     */
    summary(): Summary;
    /**
     * A deterministic synthetic population: the same options give the same data (and
     * `digest()`) in every face and on every platform.
     */
    static synthetic(options: SynthOptions | undefined): Dataset;
    /**
     * Number of events.
     */
    readonly events: number;
    /**
     * Number of patients.
     */
    readonly patients: number;
}

/**
 * The JSON Schema of cohort definitions, as JSON text.
 */
export function definitionSchema(): string;

/**
 * The example definitions of the core's library, in its order.
 */
export function exampleDefinitions(): ExampleDefinition[];

/**
 * The definition as the core writes it (current version, defaults left out), as JSON text.
 */
export function normalizeDefinition(definition: string | object): string;

/**
 * Search the referentials (ATC, ICD-10, CCAM, CIP13 packs) by code prefix or label words.
 * `system` is a code system name (`ATC`, `ICD10`, `CCAM`, `CIP13` and the usual spellings) or
 * `null`/`undefined` for all of them.
 */
export function searchCodes(system: string | null | undefined, query: string, limit?: number | null): CodeHit[];

/**
 * Install the panic hook when the module is instantiated.
 */
export function start(): void;

/**
 * Every problem of a definition (errors and warnings), each `{path, message, severity}`;
 * empty when the definition is valid and clean. Never throws for a bad definition.
 */
export function validateDefinition(definition: string | object): Problem[];

/**
 * Version of the core, shown in the explorer's footer.
 */
export function version(): string;
