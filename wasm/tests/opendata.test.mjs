// Open data in wasm: every file of fixtures/opendata read by the core with the values worked out
// by hand in fixtures/opendata/expected.json (the same file the Rust and Python tests read);
// chunked readings (File slices) and summaries; errors naming the file, line and column; the
// standardised prevalence.
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

test("monthly files read as one table with their file names", () => {
  const c = expected.combined;
  const f = cohorte.readOpenDataFiles(c.files.map((name) => ({ name, bytes: read(name) })));
  check(f, c, "combined");
  assert.equal(f.columns[0], "file");
});

test("a summary sums while reading, masked cells apart", () => {
  const name = "OPEN_MEDIC_2019_printed_rows.CSV";
  const r = cohorte.OpenDataReader.summarising(name, { by: ["age"], sum: ["BOITES"] });
  r.push(read(name));
  const s = r.finish();
  const want = expected.files[name].by_age_boxes;
  assert.deepEqual(s.data.age, Object.keys(want));
  assert.deepEqual(s.data.BOITES, Object.values(want));
  // ATC level 2 V08 in region 93: 19 + 260 + 125 + 27
  const v = cohorte.OpenDataReader.summarising(name, {
    sum: ["BOITES"], filter: [{ column: "ATC5", values: ["V08"], prefix: true }, { column: "BEN_REG", values: ["93"] }],
  });
  v.push(read(name));
  assert.deepEqual(v.finish().data.BOITES, [431]);
  const m = cohorte.OpenDataReader.summarising("e.csv", { by: ["sexe"], sum: ["Ntop"] });
  m.push(read("effectifs_datagouv_sample.csv"));
  const ms = m.finish();
  // sexe 1: 20 + 50 + 500, 3 masked; sexe 9: 60 + 20, 1 masked
  assert.deepEqual(ms.data.Ntop, [570, 80]);
  assert.deepEqual(ms.data.Ntop_masked, [3, 1]);
  const e = thrown(() => cohorte.OpenDataReader.summarising(name, { sum: ["BOITES"], sums: [] }));
  assert.equal(e.code, "invalid_argument");
});

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

test("standardised prevalence by département", () => {
  const bands = [...Array(19).keys()].map((i) => `${String(5 * i).padStart(2, "0")}-${String(5 * i + 4).padStart(2, "0")}`).concat(["95et+"]);
  const lines = ["annee;patho_niv1;patho_niv2;patho_niv3;top;cla_age_5;sexe;region;dept;Ntop;Npop;prev"];
  for (const b of bands) for (const s of [1, 2]) {
    lines.push(`2022;a;;;T;${b};${s};84;69;10;1000;1.0`);
    lines.push(`2022;a;;;T;${b};${s};94;2A;${s === 1 ? 20 : 0};1000;`);
  }
  const out = cohorte.standardiseOpenData("effectifs.csv", new TextEncoder().encode(lines.join("\n")), ["dept"]);
  assert.match(out.reference, /Insee, RP2018/);
  // INSEE RP2018 POP1B: the bands sum to 32 280 579 men and 34 451 956 women
  const share = 32280579 / (32280579 + 34451956);
  assert.deepEqual(out.rows.map((r) => r.dept), ["2A", "69"]);
  same(out.rows.map((r) => r.std_prev), [2 * share, 1], "std_prev");
  for (const r of out.rows) assert.ok(r.std_prev_lower < r.std_prev && r.std_prev < r.std_prev_upper);
});
