// Browser timings in headless Chromium, against the budgets of docs/decisions.md §8:
// - the explorer (dist/): page load to the first attrition on a synthetic population, the
//   generation time in the page, and the redraw after a change of one criterion in the form
//   (on a larger population);
// - the benchmark page (bench/dist/): each example definition evaluated by the wasm package and
//   by DuckDB-WASM running its SQL equivalent (bench/queries.sql), on the same data in the same
//   page, against the native engine on one thread (core/examples/bench.rs, whose export and
//   results `--data` holds). Every engine must return the native engine's persons.
// No request may leave 127.0.0.1. Prints the figures and writes them to <data>/browser.json.
// Not a test: a missed budget is reported, not failed; wrong persons, page errors or a foreign
// request make it exit non-zero.
//
//   node e2e/bench.mjs [--patients 100000] [--seed 1] [--redraw-patients 200000] [--repeat 3]
//                      [--redraws 5] --data ../bench-data/web
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const num = (name, dflt) => {
  const v = Number(arg(name, dflt));
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name}: expected a non-negative integer, got ${arg(name, dflt)}`);
  return v;
};
const here = new URL("..", import.meta.url).pathname;
const patients = num("patients", "100000");
const seed = num("seed", "1");
const redrawPatients = num("redraw-patients", "200000");
const repeat = Math.max(1, num("repeat", "3"));
const redraws = Math.max(1, num("redraws", "5"));
const data = resolve(arg("data", join(here, "..", "bench-data", "web")));
const BUDGET = { wasmVsNative: 1.5, duckdbVsWasm: 5, generationS: 2, redrawMs: 100 };

const native = JSON.parse(readFileSync(join(data, "native.json"), "utf8"));
if (native.patients !== patients || native.seed !== seed) {
  throw new Error(`${data}/native.json: ${native.patients} patients of seed ${native.seed}, not ${patients} of seed ${seed}`);
}
// the benchmark page reads the export (as Arrow IPC: bench/to_arrow_ipc.py) beside itself
const benchDist = join(here, "bench", "dist");
mkdirSync(join(benchDist, "data"), { recursive: true });
for (const f of readdirSync(data)) {
  if (/^(events|patients|codes)\.arrow$|^(native|span)\.json$|^persons_\w+\.txt$/.test(f)) copyFileSync(join(data, f), join(benchDist, "data", f));
}

const explorer = await serve(join(here, "dist"), 0);
const benchPage = await serve(benchDist, 0);
const origins = new Set([explorer.origin, benchPage.origin]);
const profile = mkdtempSync(join(tmpdir(), "cohorte-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const problems = [];
await context.route("**/*", (route) => {
  const url = new URL(route.request().url());
  if (origins.has(url.origin)) return route.continue();
  problems.push(`request to another origin: ${url.href}`);
  return route.abort();
});
const watch = (page, label) => {
  page.on("console", (m) => { if (m.type() === "error") problems.push(`${label} console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`${label} page error: ${e.message}`));
};
const s = (ms) => (ms / 1000).toFixed(2);
const verdict = (ok) => (ok ? "met" : "MISSED");
const median = (xs) => { const v = [...xs].sort((a, b) => a - b); return v[Math.floor((v.length - 1) / 2)]; };

const out = { patients, seed, redrawPatients, native: { cohorts: native.cohorts } };
try {
  // ---- the explorer: page load to the first attrition
  const page = await context.newPage();
  watch(page, "explorer");
  const t0 = Date.now();
  await page.goto(explorer.origin + "/");
  await page.waitForSelector("body[data-ready=true]");
  const tReady = Date.now();
  const generate = async (n) => {
    await page.evaluate(() => { delete document.body.dataset.generated; });
    await page.getByLabel("Patients").fill(String(n));
    await page.getByLabel("Seed").fill(String(seed));
    await page.getByRole("button", { name: "Generate" }).click();
    await page.waitForSelector("body[data-generated=true]", { timeout: 600_000 });
    // the worker's own timing, in the status line ("… in 1.23 s …")
    const text = (await page.textContent("#status")) ?? "";
    const m = /\bin ([\d.]+) s\b/.exec(text);
    if (!m) throw new Error(`generation status not understood: ${text}`);
    return Number(m[1]) * 1000;
  };
  const runExample = async (name) => {
    await page.getByLabel("Example").selectOption(name);
    await page.getByRole("button", { name: "Load example" }).click();
    await page.evaluate(() => { document.body.dataset.results = "pending"; });
    await page.getByRole("button", { name: "Run cohort" }).click();
    await page.waitForFunction(() => document.body.dataset.results !== "pending", null, { timeout: 600_000 });
    if ((await page.getAttribute("body", "data-results")) !== "ready") throw new Error(`${name}: ${await page.textContent("#status")}`);
  };
  const genMs = await generate(patients);
  const tGen = Date.now();
  const first = await page.$eval("#examples option", (o) => o.value);
  await runExample(first);
  const tFirst = Date.now();
  out.explorer = { readyMs: tReady - t0, generationMs: genMs, generatedMs: tGen - t0, firstAttritionMs: tFirst - t0, firstDefinition: first };

  // ---- the explorer: redraw after a change of one criterion (the age rule of incident_metformin)
  const genRedrawMs = await generate(redrawPatients);
  // as a user filling the form would, let the engine warm up on the new population first
  const w0 = Date.now();
  await page.waitForSelector("body[data-warm=true]", { timeout: 120_000 });
  const warmUpMs = Date.now() - w0;
  await runExample("incident_metformin");
  const redrawRuns = [];
  for (let i = 0; i < redraws; i++) {
    const age = 19 + i;
    await page.evaluate(() => {
      // page clock: from the click on "Run cohort" to the frame after the results are drawn
      window.__redraw = new Promise((done) => {
        let t = 0;
        document.getElementById("run").addEventListener("click", () => { t = performance.now(); }, { capture: true, once: true });
        const obs = new MutationObserver(() => {
          const state = document.body.dataset.results;
          if (state !== "ready" && state !== "error") return;
          obs.disconnect();
          requestAnimationFrame(() => setTimeout(() => done({ ms: performance.now() - t, state }), 0));
        });
        obs.observe(document.body, { attributes: true, attributeFilter: ["data-results"] });
      });
    });
    const field = page.getByLabel("Age at least", { exact: true });
    await field.fill(String(age));
    await field.press("Tab");
    await page.getByRole("button", { name: "Run cohort" }).click();
    const r = await page.evaluate(() => window.__redraw);
    if (r.state !== "ready") throw new Error(`redraw ${i + 1}: ${await page.textContent("#status")}`);
    // the attrition drawn is the changed definition's
    const step = await page.textContent("#attrition table.attrition-table");
    if (!step?.includes(`aged ${age} or more`)) throw new Error(`redraw ${i + 1}: the attrition does not show the step "aged ${age} or more"`);
    const evalMs = Number(await page.getAttribute("#timing", "data-eval-ms"));
    // the worker's time with the aggregates, when the timing line gives it ("… in 45 ms")
    const workerMs = Number(/aggregates in ([\d.]+) ms/.exec((await page.textContent("#timing")) ?? "")?.[1] ?? NaN);
    redrawRuns.push({ age, ms: r.ms, evalMs, workerMs });
  }
  out.redraw = { patients: redrawPatients, generationMs: genRedrawMs, warmUpMs, definition: "incident_metformin", runs: redrawRuns };
  await page.close();

  // ---- the benchmark page: wasm vs DuckDB-WASM vs native
  const bp = await context.newPage();
  watch(bp, "bench page");
  await bp.goto(benchPage.origin + "/");
  await bp.waitForSelector("body[data-ready=true]");
  bp.on("console", (m) => { if (m.type() !== "error") process.stderr.write(`  [page] ${m.text()}\n`); });
  out.page = await bp.evaluate((o) => window.cohorteBench.run(o), { patients, seed, repeat });
  await bp.close();
} finally {
  await context.close();
  explorer.close();
  benchPage.close();
  rmSync(profile, { recursive: true, force: true });
}

// ---- report
const byName = new Map(native.cohorts.map((c) => [c.name, c]));
const pad = (x, n) => String(x).padStart(n);
console.log(`== bench-web: ${patients} patients, seed ${seed}, ${out.page.events} events; cohorte ${out.page.cohorteVersion}, DuckDB-WASM ${out.page.duckdbVersion} (eh bundle, one thread); best of ${repeat}; native: one thread, best of its runs`);
console.log(`${"definition".padEnd(30)}${pad("persons", 9)}${pad("wasm ms", 10)}${pad("native ms", 11)}${pad("duckdb-wasm", 13)}${pad("wasm/native", 13)}${pad("duckdb/wasm", 13)}  same persons`);
let wrong = 0;
const rows = [];
for (const d of out.page.definitions) {
  const nat = byName.get(d.name);
  const natMs = nat ? nat.one_thread_s * 1000 : NaN;
  const row = { ...d, nativeMs: natMs, wasmVsNative: d.wasmMs / natMs, duckdbVsWasm: d.duckdbMs / d.wasmMs };
  rows.push(row);
  if (!d.samePersons) wrong++;
  console.log(`${d.name.padEnd(30)}${pad(d.persons, 9)}${pad(d.wasmMs.toFixed(1), 10)}${pad(natMs.toFixed(1), 11)}${pad(d.duckdbMs.toFixed(0), 13)}` +
    `${pad(row.wasmVsNative.toFixed(2) + "x", 13)}${pad(row.duckdbVsWasm.toFixed(1) + "x", 13)}  ${d.samePersons ? "yes" : "NO: " + d.mismatch}`);
}
out.rows = rows;
const worstNative = Math.max(...rows.map((r) => r.wasmVsNative));
const worstDuck = Math.min(...rows.map((r) => r.duckdbVsWasm));
const totWasm = rows.reduce((a, r) => a + r.wasmMs, 0);
const totNat = rows.reduce((a, r) => a + r.nativeMs, 0);
const totDuck = rows.reduce((a, r) => a + r.duckdbMs, 0);
const redrawMed = median(out.redraw.runs.map((r) => r.ms));
const redrawMax = Math.max(...out.redraw.runs.map((r) => r.ms));
console.log(`budgets (docs/decisions.md §8):`);
console.log(`  wasm vs native (one thread): worst ${worstNative.toFixed(2)}x, all definitions together ${(totWasm / totNat).toFixed(2)}x (budget <= ${BUDGET.wasmVsNative}x): ` +
  `${verdict(worstNative <= BUDGET.wasmVsNative)} (${rows.filter((r) => r.wasmVsNative <= BUDGET.wasmVsNative).length} of ${rows.length} definitions within)`);
console.log(`  wasm vs DuckDB-WASM, same data, same page: smallest ${worstDuck.toFixed(1)}x faster, all together ${(totDuck / totWasm).toFixed(1)}x (budget >= ${BUDGET.duckdbVsWasm}x): ` +
  `${verdict(worstDuck >= BUDGET.duckdbVsWasm)} (${rows.filter((r) => r.duckdbVsWasm >= BUDGET.duckdbVsWasm).length} of ${rows.length} definitions within)`);
console.log(`  generation of ${patients} patients in the page: ${s(out.page.generationMs)} s in the benchmark page, ${s(out.explorer.generationMs)} s in the explorer's worker ` +
  `(budget < ${BUDGET.generationS} s): ${verdict(Math.max(out.page.generationMs, out.explorer.generationMs) < BUDGET.generationS * 1000)}; natively on one thread ` +
  `${(native.generation_one_thread_s + native.store_build_s).toFixed(2)} s (generation ${native.generation_one_thread_s.toFixed(2)} s + store ${native.store_build_s.toFixed(2)} s)`);
console.log(`  explorer, change of one criterion on ${redrawPatients} patients (age rule of incident_metformin), click to redrawn results: ` +
  `median ${redrawMed.toFixed(1)} ms, worst ${redrawMax.toFixed(1)} ms of ${out.redraw.runs.length} (in the worker: evaluation ${median(out.redraw.runs.map((r) => r.evalMs)).toFixed(1)} ms, ` +
  `with the aggregates ${median(out.redraw.runs.map((r) => r.workerMs)).toFixed(0)} ms; the rest is drawing; after the engine's warm-up, ${s(out.redraw.warmUpMs)} s after the population was ready) ` +
  `(budget < ${BUDGET.redrawMs} ms): ${verdict(redrawMed < BUDGET.redrawMs)}`);
console.log(`  explorer page load to first attrition on ${patients} patients (${out.explorer.firstDefinition}): ${s(out.explorer.firstAttritionMs)} s ` +
  `(engine ready ${s(out.explorer.readyMs)} s, population generated ${s(out.explorer.generatedMs)} s)`);
console.log(`  DuckDB-WASM start ${s(out.page.duckdbStartMs)} s, tables loaded from Arrow IPC ${s(out.page.duckdbLoadMs)} s (before any timing)`);
writeFileSync(join(data, "browser.json"), JSON.stringify(out, null, 2));
console.log(`results written to ${join(data, "browser.json")}`);
for (const p of problems) console.error(p);
if (wrong) console.error(`${wrong} definition(s) where an engine did not return the native persons`);
process.exit(wrong || problems.length ? 1 : 0);
