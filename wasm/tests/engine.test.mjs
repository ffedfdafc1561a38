// The wasm evaluator against the native one: every example definition on the same synthetic
// population gives the same rows (patient, index date, exit date) in wasm as natively
// (core/examples/cohort.rs --rows). The wasm build scans tags with SIMD where the native build
// runs a scalar loop, so this compares two implementations of the entry scan on first, last and
// all occurrences, nested cohorts and every example's rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cohorte, root } from "./helpers.mjs";

const PATIENTS = 30000;
const SEED = 11;

test("every example definition gives the native engine's rows", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cohorte-rows-"));
  const ds = cohorte.Dataset.synthetic({ patients: PATIENTS, seed: SEED });
  try {
    for (const { name, json } of cohorte.exampleDefinitions()) {
      const file = path.join(dir, `${name}.json`);
      fs.writeFileSync(file, json);
      const r = spawnSync(
        "cargo",
        ["run", "--release", "-q", "-p", "cohorte-core", "--example", "cohort", "--",
          "--patients", String(PATIENTS), "--seed", String(SEED), "--definition", file, "--rows"],
        { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 },
      );
      assert.equal(r.status, 0, r.stderr);
      const native = JSON.parse(r.stdout);
      const c = ds.cohort(json);
      const person = c.personIndices();
      const start = c.indexDates();
      const end = c.exitDates();
      const rows = [...person].map((p, i) => [p, start[i], end[i]]);
      c.free();
      assert.ok(native.length > 0, `${name}: the native cohort is not empty`);
      assert.deepEqual(rows, native, name);
    }
  } finally {
    ds.free();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
