// The synthetic population generated in wasm is the native one, byte for byte: its digest is the
// golden digest of fixtures/synthetic_digest.json (the one core/tests/synth_digest.rs checks), and
// the same options always give the same data.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { cohorte, fixtures, root } from "./helpers.mjs";

const golden = JSON.parse(fs.readFileSync(path.join(fixtures, "synthetic_digest.json"), "utf8"));

test(`seed ${golden.seed}, ${golden.patients} patients: the native golden digest`, () => {
  const d = cohorte.Dataset.synthetic({ patients: golden.patients, seed: golden.seed });
  assert.equal(d.patients, golden.patients);
  assert.match(golden.digest, /^[0-9a-f]{64}$/);
  assert.equal(d.digest(), golden.digest);
});

test("the same options give the same data; another seed other data", () => {
  const a = cohorte.Dataset.synthetic({ patients: 500, seed: 7, years: 3, startYear: 2020 });
  const b = cohorte.Dataset.synthetic({ patients: 500, seed: 7, years: 3, startYear: 2020 });
  const c = cohorte.Dataset.synthetic({ patients: 500, seed: 8, years: 3, startYear: 2020 });
  assert.equal(a.digest(), b.digest());
  assert.notEqual(a.digest(), c.digest());
  assert.match(a.digest(), /^[0-9a-f]{64}$/);
});

test("seeds may be given as BigInt beyond 2^53", () => {
  const a = cohorte.Dataset.synthetic({ patients: 50, seed: 2n ** 60n });
  const b = cohorte.Dataset.synthetic({ patients: 50, seed: 2n ** 60n + 1n });
  assert.notEqual(a.digest(), b.digest());
});

test("summary: the options' patients and span", () => {
  const d = cohorte.Dataset.synthetic({ patients: 300, seed: 1, years: 2, startYear: 2021 });
  const s = d.summary();
  assert.equal(s.patients, 300);
  assert.equal(s.dataStart, "2021-01-01");
  assert.equal(s.dataEnd, "2022-12-31");
  assert.ok(s.events > 300, `a population of 300 over two years has events (${s.events})`);
  assert.equal(s.events, d.events);
});

test("snake_case option keys are accepted too", () => {
  const a = cohorte.Dataset.synthetic({ patients: 100, seed: 3, start_year: 2015 });
  const b = cohorte.Dataset.synthetic({ patients: 100, seed: 3, startYear: 2015 });
  assert.equal(a.digest(), b.digest());
  assert.equal(a.summary().dataStart, "2015-01-01");
});

test("version is the core's (workspace) version", () => {
  const cargo = fs.readFileSync(path.join(root, "Cargo.toml"), "utf8");
  const v = cargo.match(/\[workspace\.package\][^[]*?version = "([^"]+)"/);
  assert.ok(v);
  assert.equal(cohorte.version(), v[1]);
});
