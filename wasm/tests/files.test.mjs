// Dataset.fromFiles: SNDS tables written by the native writer (core/examples/summary.rs) and read
// back in wasm give the same cohorts as the same population generated in wasm; bad files get
// errors naming the file, the table and the column.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cohorte, root, thrown } from "./helpers.mjs";

const { Dataset } = cohorte;
const PATIENTS = 400;
const SEED = 3;

function writeTables(format) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cohorte-files-"));
  const r = spawnSync(
    "cargo",
    ["run", "--release", "-q", "-p", "cohorte-core", "--example", "summary", "--",
      "--patients", String(PATIENTS), "--seed", String(SEED), "--write", dir, "--format", format],
    { cwd: root, encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  const files = fs.readdirSync(dir).sort().map((name) => ({
    name,
    bytes: new Uint8Array(fs.readFileSync(path.join(dir, name))),
  }));
  fs.rmSync(dir, { recursive: true, force: true });
  return files;
}

const generated = Dataset.synthetic({ patients: PATIENTS, seed: SEED });

for (const format of ["parquet", "csv", "arrow"]) {
  test(`fromFiles reads ${format} tables into the cohorts of the generated population`, () => {
    const files = writeTables(format);
    assert.ok(files.length >= 10 && files.every((f) => f.name.endsWith(format === "arrow" ? ".arrow" : `.${format}`)));
    const read = Dataset.fromFiles(files);
    assert.equal(read.patients, generated.patients);
    const filters = read.summary().filters;
    assert.ok(filters.some((f) => f.table === "ER_PRS_F" && f.filter.includes("DPN_QLF")), JSON.stringify(filters));
    assert.deepEqual(generated.summary().filters, []);
    let nonEmpty = 0;
    for (const { name, json } of cohorte.exampleDefinitions()) {
      const a = read.cohort(json);
      const b = generated.cohort(json);
      assert.deepEqual(a.attrition(), b.attrition(), name);
      assert.deepEqual(a.personIds(), b.personIds(), name);
      if (a.personIds().length > 0) nonEmpty += 1;
    }
    assert.ok(nonEmpty >= 3, `${nonEmpty} example cohorts non-empty`);
  });
}

test("fromFiles names the file, the table and the column in its errors", () => {
  const enc = (s) => new TextEncoder().encode(s);
  let e = thrown(() => Dataset.fromFiles([{ name: "notes.txt", bytes: enc("x") }]));
  assert.equal(e.name, "CohorteError");
  assert.match(e.message, /notes\.txt/);
  e = thrown(() => Dataset.fromFiles([{ name: "PATIENTS.csv", bytes: enc("A;B\n1;2\n") }]));
  assert.match(e.message, /PATIENTS/);
  e = thrown(() => Dataset.fromFiles([{ name: "IR_BEN_R.csv", bytes: enc("BEN_NIR_PSA;BEN_SEX_COD\nA;1\n") }]));
  assert.match(e.message, /IR_BEN_R/);
  assert.match(e.message, /BEN_RNG_GEM|BEN_NAI_ANN|BEN_RES_DPT/);
  e = thrown(() => Dataset.fromFiles([{ name: "ER_PHA_F.parquet", bytes: enc("not parquet at all") }]));
  assert.match(e.message, /ER_PHA_F\.parquet/);
  e = thrown(() => Dataset.fromFiles([{ name: "IR_BEN_R.csv", bytes: "text" }]));
  assert.match(e.message, /files\[0\]\.bytes/);
  e = thrown(() => Dataset.fromFiles("IR_BEN_R.csv"));
  assert.match(e.message, /array/);
  const ben = { name: "IR_BEN_R.csv", bytes: enc("BEN_NIR_PSA;BEN_RNG_GEM\n") };
  e = thrown(() => Dataset.fromFiles([ben, { ...ben, name: "ir_ben_r.csv" }]));
  assert.match(e.message, /also in/);
});
