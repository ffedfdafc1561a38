// Dataset.synthetic reports its progress when given a callback, and the population is the same
// as without one (same digest).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cohorte } from "./helpers.mjs";

test("generation calls back every 4096 patients and at the end, data unchanged", () => {
  const calls = [];
  const withCb = cohorte.Dataset.synthetic({ patients: 10000, seed: 11 }, (done, total) => calls.push([done, total]));
  assert.deepEqual(calls, [[4096, 10000], [8192, 10000], [10000, 10000]]);
  const without = cohorte.Dataset.synthetic({ patients: 10000, seed: 11 });
  assert.equal(withCb.digest(), without.digest());
  // a callback that throws stops nothing
  const ds = cohorte.Dataset.synthetic({ patients: 500, seed: 11 }, () => { throw new Error("ignored"); });
  assert.equal(ds.patients, 500);
});
