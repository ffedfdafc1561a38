// The worked cohort fixtures (fixtures/cohorts/*, format in fixtures/README.md) give, through the
// wasm package, the rows and attrition worked out by hand in each expected.json: the same files
// the Rust and Python tests read.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { cohorte, fixtures, isoDay, thrown } from "./helpers.mjs";

const dir = path.join(fixtures, "cohorts");
const cases = fs
  .readdirSync(dir)
  .filter((n) => fs.statSync(path.join(dir, n)).isDirectory())
  .sort();

const read = (c, f) => fs.readFileSync(path.join(dir, c, f), "utf8");

// The attrition's keys are camelCase in JavaScript, snake_case in the fixture files.
const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

test("there are worked fixtures to check", () => {
  assert.ok(cases.length >= 8, `found ${cases.length} fixtures in ${dir}`);
});

for (const name of cases) {
  const expected = JSON.parse(read(name, "expected.json"));
  if (expected.errors) {
    test(`fixture ${name}: the definition is rejected with exactly these problems`, () => {
      const dataset = cohorte.Dataset.fromPopulationJson(read(name, "population.json"));
      const e = thrown(() => dataset.cohort(read(name, "definition.json")));
      assert.equal(e.name, "CohorteError");
      assert.equal(e.code, "invalid_definition", e.message);
      assert.equal(e.problems.length, expected.errors.length, JSON.stringify(e.problems));
      for (const want of expected.errors) {
        assert.ok(
          e.problems.some((p) => p.path === want.path && p.message.includes(want.message_contains)),
          `no problem at ${want.path} containing ${JSON.stringify(want.message_contains)} in ${JSON.stringify(e.problems)}`,
        );
      }
    });
    continue;
  }
  test(`fixture ${name}: rows and attrition as worked out by hand`, () => {
    const dataset = cohorte.Dataset.fromPopulationJson(read(name, "population.json"));
    // Definitions go in as JSON text here and as a parsed object in the next test.
    const cohort = dataset.cohort(read(name, "definition.json"));

    const ids = cohort.personIds();
    const starts = cohort.indexDates();
    const ends = cohort.exitDates();
    const rows = ids.map((id, i) => ({
      person_id: id,
      index_date: isoDay(starts[i]),
      exit_date: isoDay(ends[i]),
    }));
    assert.deepEqual(rows, expected.rows, `${name}: rows`);
    assert.equal(cohort.nEntries, expected.rows.length);
    assert.equal(cohort.nPersons, new Set(expected.rows.map((r) => r.person_id)).size);

    const want = expected.attrition.map((step) =>
      Object.fromEntries(Object.entries(step).map(([k, v]) => [camel(k), v])),
    );
    assert.deepEqual(cohort.attrition(), want, `${name}: attrition`);
  });
}

const worked = cases.filter((c) => !JSON.parse(read(c, "expected.json")).errors);

test("a definition given as an object gives the same cohort as its JSON text", () => {
  const name = worked[0];
  const dataset = cohorte.Dataset.fromPopulationJson(read(name, "population.json"));
  const text = read(name, "definition.json");
  const a = dataset.cohort(text);
  const b = dataset.cohort(JSON.parse(text));
  assert.deepEqual(b.personIds(), a.personIds());
  assert.deepEqual(b.indexDates(), a.indexDates());
  assert.deepEqual(b.attrition(), a.attrition());
});

test("persons() is an Arrow IPC stream holding the person ids", () => {
  const name = worked.find((c) => JSON.parse(read(c, "expected.json")).rows.length > 0);
  const expected = JSON.parse(read(name, "expected.json"));
  const dataset = cohorte.Dataset.fromPopulationJson(read(name, "population.json"));
  const bytes = dataset.cohort(read(name, "definition.json")).persons();
  assert.ok(bytes instanceof Uint8Array);
  // An IPC stream message starts with the continuation marker 0xFFFFFFFF.
  assert.deepEqual([...bytes.slice(0, 4)], [0xff, 0xff, 0xff, 0xff]);
  const text = Buffer.from(bytes).toString("latin1");
  for (const field of ["person_id", "index_date", "exit_date"]) {
    assert.ok(text.includes(field), `schema names ${field}`);
  }
  for (const row of expected.rows) {
    assert.ok(text.includes(row.person_id), `data holds ${row.person_id}`);
  }
});
