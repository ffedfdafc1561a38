// Open data in wasm: every file of fixtures/opendata read by the core with the values worked out
// by hand in fixtures/opendata/expected.json (the same file the Rust and Python tests read);
// chunked readings (File slices); errors naming the file, line and column.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { cohorte, fixtures, thrown } from "./helpers.mjs";

const dir = path.join(fixtures, "opendata");
const read = (name) => new Uint8Array(fs.readFileSync(path.join(dir, name)));
const expected = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8"));

function same(got, want, what) {
  assert.equal(got.length, want.length, what);
  want.forEach((w, i) => {
    if (typeof w === "number" && got[i] !== null) assert.ok(Math.abs(got[i] - w) < 1e-9, `${what}[${i}]: ${got[i]} vs ${w}`);
    else assert.equal(got[i], w, `${what}[${i}]`);
  });
}

function check(f, want, name) {
  assert.equal(f.layout, want.layout, name);
  if (want.encoding) assert.equal(f.encoding, want.encoding, name);
  assert.equal(f.rows, want.rows, name);
  for (const [col, values] of Object.entries(want.columns)) same(f.data[col], values, `${name} ${col}`);
  for (const [col, total] of Object.entries(want.sums)) {
    const sum = f.data[col].reduce((a, v) => a + (v ?? 0), 0);
    assert.ok(Math.abs(sum - total) < 1e-6, `${name} ${col}: ${sum}`);
  }
  if (want.repaired) {
    assert.deepEqual(f.repaired, want.repaired, name);
    assert.equal(f.notes.length, Object.keys(want.repaired).length, name);
  }
}

for (const [name, want] of Object.entries(expected.files)) {
  test(`${name} reads with its expected values, whole and in slices`, () => {
    const bytes = read(name);
    const f = cohorte.readOpenData(name, bytes);
    check(f, want, name);
    // Fed in 5-byte slices, as the explorer feeds File slices: the same table.
    const r = new cohorte.OpenDataReader(name);
    for (let at = 0; at < bytes.length; at += 5) r.push(bytes.subarray(at, at + 5));
    assert.equal(r.bytesRead, bytes.length);
    assert.equal(r.rows, want.rows);
    assert.deepEqual(r.finish(), f);
  });
}

test("errors name the file, the line and the column; nothing is half-read", () => {
  const enc = (s) => new TextEncoder().encode(s);
  let e = thrown(() => cohorte.readOpenData("notes.csv", enc("a;b\n1;2\n")));
  assert.equal(e.name, "CohorteError");
  assert.equal(e.code, "format");
  assert.match(e.message, /notes\.csv.*line 1.*not an open-data file/);
  const rows = fs.readFileSync(path.join(dir, "OPEN_MEDIC_2019_printed_rows.CSV"), "latin1").split("\r\n");
  const lone = [...rows];
  lone[2] = lone[2].replace(";A01A;", ';"A01A;');
  e = thrown(() => cohorte.readOpenData("OPEN_MEDIC_2019.CSV", enc(lone.join("\r\n"))));
  assert.equal(e.code, "format");
  assert.match(e.message, /OPEN_MEDIC_2019\.CSV: line 3, column 3 \(ATC3\)/);
  const bad = [...rows];
  bad[2] = bad[2].replace(";152;", ";9x7;");
  e = thrown(() => cohorte.readOpenData("OPEN_MEDIC_2019.CSV", enc(bad.join("\r\n"))));
  assert.equal(e.code, "bad_value");
  assert.match(e.message, /OPEN_MEDIC_2019\.CSV, column BOITES, row 2: line 3, field 13/);
  e = thrown(() => cohorte.readOpenData("OPEN_MEDIC_2023.CSV", enc("ATC1;BOITES\nA;1\n")));
  assert.equal(e.code, "missing_column");
  assert.match(e.message, /OPEN_MEDIC_2023\.CSV/);
  // a truncated file, in slices: the error comes at finish, and the reader is spent
  const r = new cohorte.OpenDataReader("cut.CSV");
  r.push(enc(rows.slice(0, 3).join("\r\n") + "\r\n" + rows[3].slice(0, 20)));
  e = thrown(() => r.finish());
  assert.equal(e.code, "bad_value");
  assert.match(e.message, /row 3: line 4: the row has 5 fields, the header 15/);
  assert.equal(thrown(() => r.finish()).code, "invalid_argument");
});
