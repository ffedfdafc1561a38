// Bad input gives a JavaScript Error named CohorteError carrying the core's stable code
// (error.code) and a message naming what is wrong; invalid definitions list every problem with
// its JSON path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cohorte, thrown } from "./helpers.mjs";

const { Dataset } = cohorte;

function assertCohorteError(e, code, pattern) {
  assert.ok(e instanceof Error, "an Error instance");
  assert.equal(e.name, "CohorteError");
  assert.equal(e.code, code, `code of: ${e.message}`);
  if (pattern) assert.match(e.message, pattern);
}

const tiny = JSON.stringify({
  data_start: "2019-01-01",
  data_end: "2023-12-31",
  patients: [
    {
      id: "P1",
      sex: "female",
      birth: "1950-01-15",
      events: [{ type: "dispensing", date: "2020-01-10", code: "A10BA02" }],
    },
  ],
});

const metformin = {
  version: 2,
  name: "metformin",
  concept_sets: [{ name: "metformin", system: "ATC", codes: ["A10BA02"] }],
  entry: { events: [{ event: "dispensing", concept_set: "metformin" }] },
};

test("unknown code system", () => {
  assertCohorteError(thrown(() => cohorte.searchCodes("LOINC", "glucose", 5)), "unknown_code_system", /LOINC/);
});

test("synthetic options out of range or misspelt", () => {
  assertCohorteError(thrown(() => Dataset.synthetic({ patients: 0 })), "invalid_argument", /patients/);
  assertCohorteError(thrown(() => Dataset.synthetic({ years: 0 })), "invalid_argument", /years/);
  assertCohorteError(thrown(() => Dataset.synthetic({ patientz: 10 })), "invalid_argument", /patientz/);
  assertCohorteError(thrown(() => Dataset.synthetic({ patients: "many" })), "invalid_argument", /patients|many/);
  assertCohorteError(thrown(() => Dataset.synthetic(42)), "invalid_argument");
});

test("a population file that is not in the fixture format names the field", () => {
  assertCohorteError(thrown(() => Dataset.fromPopulationJson("{}")), "format", /data_start/);
  assertCohorteError(thrown(() => Dataset.fromPopulationJson("not json")), "format");
  const badSex = tiny.replace('"female"', '"f"');
  assertCohorteError(thrown(() => Dataset.fromPopulationJson(badSex)), "format", /patients\[0\]\.sex/);
});

test("invalid definitions list every problem with its path", () => {
  const d = Dataset.fromPopulationJson(tiny);
  const e = thrown(() => d.cohort({ version: 2 }));
  assertCohorteError(e, "invalid_definition");
  const paths = e.problems.map((p) => p.path);
  assert.ok(paths.includes("name"), `problems: ${JSON.stringify(e.problems)}`);
  assert.ok(paths.includes("entry"), `problems: ${JSON.stringify(e.problems)}`);
  for (const p of e.problems) assert.equal(p.severity, "error");

  assertCohorteError(thrown(() => d.cohort("{")), "invalid_definition", /JSON/);

  const unknownSet = structuredClone(metformin);
  unknownSet.entry.events[0].concept_set = "nothing";
  const e2 = thrown(() => d.cohort(unknownSet));
  assertCohorteError(e2, "invalid_definition", /nothing/);
  assert.ok(e2.problems.some((p) => p.path.startsWith("entry.events[0]")), JSON.stringify(e2.problems));
});

test("validateDefinition returns problems without throwing", () => {
  assert.deepEqual(cohorte.validateDefinition(metformin), []);
  const problems = cohorte.validateDefinition({ version: 2 });
  assert.ok(problems.some((p) => p.path === "name"));
});

test("bad aggregate options and outcomes", () => {
  const d = Dataset.fromPopulationJson(tiny);
  const c = d.cohort(metformin);
  assertCohorteError(thrown(() => c.counts({ dimz: ["sex"] })), "invalid_argument", /dimz/);
  assertCohorteError(thrown(() => c.counts({ dims: ["colour"] })), "invalid_argument", /colour/);
  assertCohorteError(thrown(() => c.pathways({ atcLevel: 9 })), "invalid_argument", /atc_level/);
  assertCohorteError(thrown(() => c.incidence("deaths")), "invalid_argument", /outcome/);
  assertCohorteError(
    thrown(() => c.incidence([{ event: "diagnosis", system: "ATC", code: "I21" }])),
    "invalid_argument",
    /ATC/,
  );
  assertCohorteError(thrown(() => c.prevalence("2021-13-45")), "invalid_argument", /date/);
  assertCohorteError(thrown(() => c.km("death", { times: "soon" })), "invalid_argument", /times|soon/);
});

test("cohorts of two datasets do not mix", () => {
  const a = Dataset.fromPopulationJson(tiny).cohort(metformin);
  const b = Dataset.fromPopulationJson(tiny).cohort(metformin);
  assertCohorteError(thrown(() => a.union(b)), "invalid_argument", /same dataset/);
  assertCohorteError(thrown(() => a.table1With(b)), "invalid_argument", /another dataset/);
});
