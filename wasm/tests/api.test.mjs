// Code search, the example library, set operations and aggregates through disclosure control,
// checked against values computed here from the fixture populations.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { cohorte, fixtures } from "./helpers.mjs";

const { Dataset } = cohorte;

test("searchCodes finds metformin by its French name and by code prefix", () => {
  const hits = cohorte.searchCodes("ATC", "metformine", 5);
  assert.ok(hits.length >= 1 && hits.length <= 5);
  assert.ok(hits.some((h) => h.code === "A10BA02" && h.system === "ATC"), JSON.stringify(hits));
  const byCode = cohorte.searchCodes("icd10", "I21", 3);
  assert.ok(byCode.length > 0 && byCode.length <= 3);
  for (const h of byCode) {
    assert.equal(h.system, "ICD10");
    assert.ok(h.code.startsWith("I21"), h.code);
    assert.ok(h.label.length > 0);
  }
  const any = cohorte.searchCodes(null, "infarctus", 10);
  assert.ok(any.some((h) => h.system === "ICD10" && h.code.startsWith("I21")), JSON.stringify(any));
  assert.deepEqual(cohorte.searchCodes("ATC", "", 10), []);
});

test("the example definitions are valid and evaluate on a synthetic population", () => {
  const examples = cohorte.exampleDefinitions();
  assert.ok(examples.length >= 3);
  const d = Dataset.synthetic({ patients: 2000, seed: 5 });
  for (const { name, json } of examples) {
    assert.deepEqual(
      cohorte.validateDefinition(json).filter((p) => p.severity === "error"),
      [],
      name,
    );
    const c = d.cohort(json);
    const steps = c.attrition();
    assert.equal(steps[0].name, "entry", name);
    assert.equal(steps.at(-1).persons, c.nPersons, name);
    // Each step keeps at most what the one before kept.
    for (let i = 1; i < steps.length; i++) {
      assert.ok(steps[i].persons <= steps[i - 1].persons, name);
      assert.equal(steps[i].lostPersons, steps[i - 1].persons - steps[i].persons, name);
    }
  }
  const schema = JSON.parse(cohorte.definitionSchema());
  assert.equal(typeof schema, "object");
  const first = JSON.parse(examples[0].json);
  assert.equal(JSON.parse(cohorte.normalizeDefinition(first)).name, first.name);
});

// Fixture 04: five patients with a statin, of known sexes.
const caseDir = fs
  .readdirSync(path.join(fixtures, "cohorts"))
  .find((n) => n.startsWith("04_"));
const population = JSON.parse(
  fs.readFileSync(path.join(fixtures, "cohorts", caseDir, "population.json"), "utf8"),
);
const statins = {
  version: 2,
  name: "statin users",
  concept_sets: [{ name: "statins", system: "ATC", codes: ["C10AA"] }],
  entry: { events: [{ event: "dispensing", concept_set: "statins" }] },
};
// Independent expectation: the patients with a C10AA dispensing, by sex code (1 male, 2 female).
const users = population.patients.filter((p) =>
  p.events.some((e) => e.type === "dispensing" && e.code.startsWith("C10AA")),
);
const sexCode = { male: "1", female: "2" };
const bySex = {};
for (const p of users) bySex[sexCode[p.sex]] = (bySex[sexCode[p.sex]] ?? 0) + 1;

test("counts by sex with k = 2: published cells equal the population file's, small ones masked", () => {
  const d = Dataset.fromPopulationJson(JSON.stringify(population));
  const c = d.cohort(statins);
  assert.equal(c.nPersons, users.length);
  const agg = c.counts({ dims: ["sex"], margins: true }, 2);
  assert.equal(agg.name, "counts");
  assert.equal(agg.k, 2);
  assert.deepEqual(agg.columns.slice(0, 2), ["sex", "persons"]);
  let total = null;
  let masked = 0;
  for (const r of agg.rows) {
    if (r.sex === null) {
      total = r.persons;
      continue;
    }
    if (r.persons_masked) {
      masked += 1;
      assert.equal(r.persons, null);
    } else {
      assert.equal(r.persons, bySex[r.sex]);
    }
    // A count of 1 is never published.
    if (bySex[r.sex] < 2) assert.equal(r.persons_masked, true, `sex ${r.sex}`);
  }
  // The total is published, so a lone masked cell would be rebuilt from it: never exactly one.
  assert.equal(total, users.length);
  assert.notEqual(masked, 1);
});

test("k below 2 is refused", () => {
  const d = Dataset.fromPopulationJson(JSON.stringify(population));
  assert.throws(() => d.cohort(statins).counts({ dims: ["sex"] }, 1), /k must be at least 2/);
});

test("with k above every count, counts are masked: null and flagged", () => {
  const d = Dataset.fromPopulationJson(JSON.stringify(population));
  const agg = d.cohort(statins).counts({ dims: ["sex"] }, 10);
  assert.equal(agg.k, 10);
  assert.ok(agg.rows.length > 0);
  for (const r of agg.rows) {
    assert.equal(r.persons, null);
    assert.equal(r.persons_masked, true);
  }
  assert.ok(agg.notes.length > 0);
});

test("the default k is 10", () => {
  const d = Dataset.fromPopulationJson(JSON.stringify(population));
  assert.equal(d.cohort(statins).counts().k, 10);
});

test("set operations of a cohort with itself", () => {
  const d = Dataset.fromPopulationJson(JSON.stringify(population));
  const c = d.cohort(statins);
  for (const op of ["union", "intersection"]) {
    const r = c[op](c);
    assert.deepEqual(r.personIds(), c.personIds(), op);
    assert.deepEqual(r.indexDates(), c.indexDates(), op);
    assert.deepEqual(r.exitDates(), c.exitDates(), op);
    assert.deepEqual(r.attrition(), [], op);
  }
  assert.equal(c.difference(c).nEntries, 0);
});

test("set operations of disjoint cohorts: women and men", () => {
  const d = Dataset.fromPopulationJson(JSON.stringify(population));
  const withSex = (sex) => ({
    ...statins,
    name: sex,
    inclusion: [{ name: sex, demographics: { sex } }],
  });
  const women = d.cohort(withSex("female"));
  const men = d.cohort(withSex("male"));
  assert.equal(women.nPersons, bySex["2"] ?? 0);
  assert.equal(men.nPersons, bySex["1"] ?? 0);
  assert.equal(women.union(men).nPersons, users.length);
  assert.equal(women.intersection(men).nEntries, 0);
  assert.deepEqual(women.difference(men).personIds(), women.personIds());
});

test("aggregates on a synthetic cohort: shapes and disclosure flags", () => {
  const d = Dataset.synthetic({ patients: 5000, seed: 11 });
  const examples = cohorte.exampleDefinitions();
  const c = d.cohort(examples[0].json);
  assert.ok(c.nPersons > 0);
  const inc = c.incidence("death", { dims: ["sex"], per: 1000 });
  assert.equal(inc.name, "incidence");
  for (const col of ["persons", "cases", "person_years", "rate", "rate_masked"]) {
    assert.ok(inc.columns.includes(col), col);
  }
  const km = c.km("death", { times: [0, 365] });
  assert.deepEqual(Object.keys(km).sort(), ["atRisk", "curve", "summary"]);
  assert.deepEqual(km.atRisk.rows.map((r) => r.time), [0, 365]);
  const t1 = c.table1({ lookbackDays: 180, atcLevel: 3 });
  assert.equal(t1.k, 10);
  const pw = c.pathways({ maxLines: 2 });
  assert.ok(pw.columns.includes("line_2") && !pw.columns.includes("line_3"), pw.columns.join());
  const prev = c.prevalence("2021-06-30", {}, 5);
  assert.equal(prev.k, 5);
  // No published patient count is below k (zero aside).
  for (const agg of [inc, km.curve, km.atRisk, km.summary, t1, pw, prev]) {
    for (const r of agg.rows) {
      for (const col of agg.columns) {
        if (typeof r[col] === "number" && r[`${col}_masked`] === false && /^(persons|cases|n_risk|n_\d+|population)$/.test(col)) {
          assert.ok(r[col] === 0 || r[col] >= agg.k, `${agg.name}.${col} = ${r[col]} < k`);
        }
      }
    }
  }
});

test("départements and regions for the map", () => {
  const depts = cohorte.departements();
  // 96 metropolitan départements (Corsica as 2A and 2B) and 5 overseas.
  assert.equal(depts.length, 101);
  const byCode = Object.fromEntries(depts.map((d) => [d.code, d]));
  assert.equal(byCode["69"].region, 84); // Rhône, Auvergne-Rhône-Alpes
  assert.equal(byCode["2A"].region, 94); // Corse-du-Sud, Corse
  assert.equal(byCode["974"].region, 4); // La Réunion
  assert.ok(byCode["75"].population > 2000000);
  const regions = cohorte.regions();
  assert.equal(regions.length, 18); // 13 metropolitan and 5 overseas regions since 2016
  const codes = new Set(regions.map((r) => r.code));
  for (const d of depts) assert.ok(codes.has(d.region), `${d.code}: region ${d.region}`);
});

test("codeLabel gives the French label, undefined for an unknown code", () => {
  assert.match(cohorte.codeLabel("ATC", "A10BA02"), /metformine/i);
  assert.match(cohorte.codeLabel("CIM-10", "I21"), /infarctus/i);
  assert.equal(cohorte.codeLabel("ATC", "Z99ZZ99"), undefined);
  assert.throws(() => cohorte.codeLabel("LOINC", "x"), (e) => e.code === "unknown_code_system");
});
