// Compile-only check (tsc --noEmit --strict) that the declarations wasm-bindgen writes, with the
// hand-written option and result types of wasm/src/types.rs, describe the API the explorer uses.
import {
  Dataset,
  Cohort,
  searchCodes,
  exampleDefinitions,
  OpenDataReader,
  readOpenData,
  validateDefinition,
  version,
  type Aggregate,
  type AttritionStep,
  type CodeHit,
  type CohorteError,
  type KaplanMeier,
  type OpenDataFile,
  type Summary,
} from "../pkg-node/cohorte_wasm";

const d: Dataset = Dataset.synthetic({ patients: 1000, seed: 1, years: 3, startYear: 2020 });
const s: Summary = d.summary();
const n: number = s.patients + d.patients + d.events;
const digest: string = d.digest();
const hits: CodeHit[] = searchCodes("ATC", "metformine", 10);
const c: Cohort = d.cohort(exampleDefinitions()[0].json);
const steps: AttritionStep[] = c.attrition();
const lost: number = steps[0].lostPersons;
const ipc: Uint8Array = c.persons();
const idx: Uint32Array = c.personIndices();
const starts: Int32Array = c.indexDates();
const counts: Aggregate = c.counts({ dims: ["sex", { ageBand: "ten" }], margins: true }, 10);
const cell = counts.rows[0]["persons"];
const inc: Aggregate = c.incidence([{ event: "stay", system: "ICD10", code: "I21" }], { per: 1000 });
const km: KaplanMeier = c.km("death", { times: [0, 365] });
const t1: Aggregate = c.table1With(c.union(c), { name: "a", otherName: "b", lookbackDays: 365 });
const pw: Aggregate = c.pathways({ atcLevel: 3, maxLines: 2 });
const ok: boolean = validateDefinition({ version: 2 }).every((p) => p.severity === "warning");
try {
  Dataset.synthetic({ patients: 0 });
} catch (e) {
  const code: string = (e as CohorteError).code;
  void code;
}
const bytes = new Uint8Array(0);
const od: OpenDataFile = readOpenData("OPEN_MEDIC_2019.CSV", bytes);
const layout: "open_damir" | string = od.layout;
const restored: number | undefined = od.repaired["dept"];
const reader = new OpenDataReader("OPEN_MEDIC_2019.CSV");
reader.push(bytes);
const progress: number = reader.bytesRead + reader.rows;
const whole: OpenDataFile = reader.finish();
void [n, digest, hits, lost, ipc, idx, starts, cell, inc, km, t1, pw, ok, version()];
void [layout, restored, progress, whole, od.notes, od.encoding];
