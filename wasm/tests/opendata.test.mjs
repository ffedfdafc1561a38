// readOpenData: the open-data samples of fixtures/opendata (Open Medic, Data pathologies), read by
// the core in wasm; values checked against the files' text, masked cells as null.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { cohorte, fixtures, thrown } from "./helpers.mjs";

const read = (name) => new Uint8Array(fs.readFileSync(path.join(fixtures, "opendata", name)));

test("an Open Medic file is told by its header and read with its values", () => {
  const f = cohorte.readOpenData("OPEN_MEDIC_2023_SAMPLE.CSV", read("OPEN_MEDIC_2023_SAMPLE.CSV"));
  assert.equal(f.layout, "open_medic");
  assert.equal(f.rows, 6);
  assert.equal(f.columns[0], "ATC1");
  // the BOITES column of the file: 1520, 1388, -3, 2210, 415, 9870
  assert.deepEqual(f.data.BOITES, [1520, 1388, -3, 2210, 415, 9870]);
  assert.deepEqual(f.data.BEN_REG, [84, 84, 99, 11, 5, 93]);
  assert.equal(f.data.REM[0], 8123.45);
  // Latin-1 decoded
  assert.equal(f.data.l_ATC1[0], "SYSTÈME CARDIO-VASCULAIRE");
});

test("a Data pathologies file keeps masked counts as null", () => {
  const f = cohorte.readOpenData("effectifs_sample.csv", read("effectifs_sample.csv"));
  assert.equal(f.layout, "data_pathologies");
  assert.equal(f.rows, 6);
  assert.deepEqual(f.data.Ntop, [412, 97, null, null, 11870, 4170230]);
  assert.deepEqual(f.data.Npop, [61230, 63310, 3950, 1820, 8123400, 68010500]);
  assert.deepEqual(f.data.dept, ["69", "69", "2A", "999", "999", "999"]);
  assert.equal(f.data.prev[0], 0.673);
  assert.equal(f.data.prev[2], null);
});

test("errors name the file, the column and the row", () => {
  const enc = (s) => new TextEncoder().encode(s);
  let e = thrown(() => cohorte.readOpenData("notes.csv", enc("a;b\n1;2\n")));
  assert.equal(e.name, "CohorteError");
  assert.equal(e.code, "format");
  assert.match(e.message, /notes\.csv/);
  const text = fs.readFileSync(path.join(fixtures, "opendata", "effectifs_sample.csv"), "latin1").split("\n");
  text[2] = text[2].replace(";97;", ";9x7;");
  e = thrown(() => cohorte.readOpenData("effectifs.csv", new Uint8Array(Buffer.from(text.join("\n"), "latin1"))));
  assert.equal(e.code, "bad_value");
  assert.match(e.message, /effectifs\.csv/);
  assert.match(e.message, /Ntop/);
  assert.match(e.message, /2/);
  e = thrown(() => cohorte.readOpenData("OPEN_MEDIC_2023.CSV", enc("ATC1;BOITES\nA;1\n")));
  assert.equal(e.code, "missing_column");
  assert.match(e.message, /OPEN_MEDIC_2023\.CSV/);
});
