// Cohort.protectedAttrition: the attrition the public view shows. A population written here has
// known step counts (worked out by hand below); the test checks which cells are masked and that
// no difference of two numbers shown is a group of 1..k-1 persons.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cohorte, thrown } from "./helpers.mjs";

// `n` patients, `women` of them women, `old` of the women born in 1950 (the rest in 2000), every
// one with a metformin dispensing in 2021; `extra` patients with nothing.
function population(n, women, old, extra) {
  const patients = [];
  for (let i = 0; i < n; i++) {
    const woman = i < women;
    patients.push({
      id: `P${i}`, sex: woman ? "female" : "male", birth: woman && i < old ? "1950-06-15" : "2000-06-15", departement: "75",
      events: [{ type: "dispensing", date: "2021-03-01", code: "A10BA02" }],
    });
  }
  for (let i = 0; i < extra; i++) patients.push({ id: `X${i}`, sex: "male", birth: "1980-01-01", departement: "69", events: [] });
  return JSON.stringify({ data_start: "2019-01-01", data_end: "2023-12-31", patients });
}

const definition = {
  version: 2, name: "metformin, women, aged 60+",
  concept_sets: [{ name: "metformin", system: "ATC", codes: ["A10BA02"] }],
  entry: { events: [{ event: "dispensing", concept_set: "metformin" }] },
  inclusion: [
    { name: "women", demographics: { sex: "female" } },
    { name: "aged 60 or more", demographics: { age: { min: 60 } } },
  ],
};

/** Every number shown, and every difference of two of them, must not be 1..k-1. */
function attack(steps, k, population) {
  const shown = [population, ...steps.map((s) => s.persons)].filter((v) => v !== null);
  const leaks = [];
  for (const a of shown) for (const b of [...shown, 0]) if (a - b > 0 && a - b < k) leaks.push(`${a} - ${b}`);
  for (const s of steps) if (s.lostPersons !== null && s.lostPersons > 0 && s.lostPersons < k) leaks.push(`loss ${s.lostPersons}`);
  return leaks;
}

test("a small loss masks the later count and the loss, not only the loss", () => {
  // 40 entries, 20 women (loss 20), 15 of them 60+ (loss 5): 40, 20, masked
  const ds = cohorte.Dataset.fromPopulationJson(population(40, 20, 15, 30));
  const c = ds.cohort(definition);
  const raw = c.attrition().map((s) => s.persons);
  assert.deepEqual(raw, [40, 20, 15]);
  const p = c.protectedAttrition(10);
  assert.equal(p.k, 10);
  assert.equal(p.population, 70);
  assert.deepEqual(p.steps.map((s) => s.persons), [40, 20, null]);
  assert.deepEqual(p.steps.map((s) => s.personsMasked), [false, false, true]);
  assert.deepEqual(p.steps.map((s) => s.lostPersons), [0, 20, null]);
  assert.equal(p.steps[2].events, null);
  assert.equal(p.steps[2].eventsMasked, true);
  assert.equal(p.steps[2].lostPersonsMasked, true);
  assert.ok(p.notes.length >= 2, JSON.stringify(p.notes));
  assert.deepEqual(attack(p.steps, 10, p.population), []);
  // with k = 5 the loss of 5 can be shown
  const q = c.protectedAttrition(5);
  assert.deepEqual(q.steps.map((s) => s.persons), [40, 20, 15]);
  assert.deepEqual(q.steps.map((s) => s.lostPersons), [0, 20, 5]);
});

test("the entry count is compared with the dataset's number of patients", () => {
  // 40 of 44 patients have an entry event: 44 − 40 = 4 would be shown by subtraction
  const ds = cohorte.Dataset.fromPopulationJson(population(40, 20, 20, 4));
  const p = ds.cohort(definition).protectedAttrition();
  assert.equal(p.k, 10);
  assert.deepEqual(p.steps.map((s) => s.persons), [null, 20, 20]);
  assert.deepEqual(p.steps.map((s) => s.lostPersons), [null, null, 0]);
  assert.deepEqual(attack(p.steps, 10, p.population), []);
});

test("protectedAttrition rejects k = 0 with a CohorteError", () => {
  const ds = cohorte.Dataset.fromPopulationJson(population(12, 12, 12, 0));
  const e = thrown(() => ds.cohort(definition).protectedAttrition(0));
  assert.equal(e.name, "CohorteError");
  assert.equal(e.code, "invalid_argument");
});

test("a synthetic population's protected attrition passes the attacker", () => {
  const ds = cohorte.Dataset.synthetic({ patients: 3000, seed: 5 });
  let checked = 0;
  for (const { json } of cohorte.exampleDefinitions()) {
    const c = ds.cohort(json);
    const p = c.protectedAttrition(10);
    const raw = c.attrition();
    assert.equal(p.steps.length, raw.length);
    p.steps.forEach((s, i) => {
      if (!s.personsMasked) assert.equal(s.persons, raw[i].persons);
      else assert.equal(s.persons, null);
    });
    assert.deepEqual(attack(p.steps, 10, 3000), [], json);
    checked += 1;
  }
  assert.ok(checked >= 3);
});
