// End-to-end test of the built explorer in Debian's Chromium: generate 50 000 patients, build
// a cohort through the form as a user would, and check the attrition against the native engine
// (core/examples/cohort.rs) for the same seed and definition; open SNDS tables written by the
// native writer (core/examples/summary.rs) through the file input and check the attrition
// against the native engine reading the same files (wasm/examples/cohort_files.rs); open the
// open-data samples (fixtures/opendata) and check known values and masked cells; crash the
// worker and check it is restarted. Also: no console error, no request to any other origin,
// screenshots in test-results/.
//
//   node e2e/run.mjs [--dist dist] [--patients 50000] [--seed 7]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";
import { searchFor } from "./wait.mjs";

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const here = new URL("..", import.meta.url).pathname;
const dist = join(here, arg("dist", "dist"));
const patients = Number(arg("patients", "50000"));
const seed = Number(arg("seed", "7"));
const root = join(here, "..");
const results = join(here, "test-results");
mkdirSync(results, { recursive: true });

const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); console.log(`${ok ? "ok  " : "FAIL"} ${what}`); };

/**
 * The public view's attrition rule (docs/decisions.md §6), written from the rule rather than from the
 * core's code: a count is shown when it is 0 or at least k and differs by 0 or at least k from
 * every count shown before it, the population's size included; an event count is shown on the
 * same terms among event counts, and never beside a masked person count.
 */
function expectedMasks(steps, k, population) {
  const small = (n) => n > 0 && n < k;
  const shownP = [population];
  const shownE = [];
  return steps.map((s) => {
    const pm = small(s.persons) || shownP.some((q) => small(Math.abs(q - s.persons)));
    if (!pm) shownP.push(s.persons);
    const em = pm || small(s.events) || shownE.some((q) => small(Math.abs(q - s.events)));
    if (!em) shownE.push(s.events);
    return { pm, em };
  });
}

// Reads the attrition table of the page and checks it against the native attrition `steps`:
// shown counts equal, masked ones exactly those the rule masks, and no two numbers shown (the
// population's size included) differing by 1..k-1.
async function compareAttrition(page, label, steps, population, expectedSteps) {
  const K = 10;
  const shownSteps = await page.$$eval(".attrition-table tbody tr", (trs) => trs.map((tr) => {
    const cells = [...tr.children].map((c) => c.textContent?.trim() ?? "");
    const masked = [...tr.children].map((c) => c.querySelector(".masked") !== null);
    return { name: cells[0], persons: cells[1], events: cells[2], lost: cells[3], personsMasked: masked[1], eventsMasked: masked[2], lostMasked: masked[3] };
  }));
  check(steps.length === shownSteps.length && steps.length === expectedSteps,
    `${label}: attrition has ${shownSteps.length} steps in the page, ${steps.length} natively (expected ${expectedSteps})`);
  const parse = (txt) => Number(txt.replace(/[^\d]/g, ""));
  const masks = expectedMasks(steps, K, population);
  const want = (n, m) => (m ? "masked" : String(n));
  const got = (txt, m) => (m ? "masked" : String(parse(txt)));
  steps.forEach((s, i) => {
    const shown = shownSteps[i] ?? {};
    check(shown.name === s.name && got(shown.persons, shown.personsMasked) === want(s.persons, masks[i].pm)
      && got(shown.events, shown.eventsMasked) === want(s.events, masks[i].em),
      `${label} step ${i} "${s.name}": page ${got(shown.persons, shown.personsMasked)} persons / ${got(shown.events, shown.eventsMasked)} events, native ${s.persons} / ${s.events} (rule: ${want(s.persons, masks[i].pm)} / ${want(s.events, masks[i].em)})`);
  });
  // the attacker: every number the page shows, and every difference of two of them
  const numbers = [population, ...shownSteps.filter((s) => !s.personsMasked).map((s) => parse(s.persons))];
  const losses = shownSteps.filter((s, i) => i > 0 && !s.lostMasked).map((s) => parse(s.lost));
  const leaks = [];
  for (const a of numbers) for (const b of numbers) if (a - b > 0 && a - b < K) leaks.push(`${a} − ${b}`);
  for (const l of losses) if (l > 0 && l < K) leaks.push(`loss ${l}`);
  check(leaks.length === 0, `${label}: no number shown, nor difference of two, is from 1 to ${K - 1}${leaks.length ? `: ${leaks.join(", ")}` : ""}`);
  return steps;
}

// The attrition of the definition the page shows, by the native engine on the same synthetic
// population, compared with the page's.
async function compareWithNative(page, label, expectedSteps) {
  const definition = await page.textContent("#json");
  const defFile = join(results, `e2e-definition-${label}.json`);
  writeFileSync(defFile, definition ?? "");
  const native = spawnSync("cargo", ["run", "--release", "-q", "-p", "cohorte-core", "--example", "cohort", "--",
    "--patients", String(patients), "--seed", String(seed), "--years", "5", "--definition", defFile], { cwd: root, encoding: "utf8" });
  check(native.status === 0, `${label}: native engine ran${native.status === 0 ? "" : `: ${native.stderr.slice(-800)}`}`);
  const steps = native.status === 0 ? JSON.parse(native.stdout) : [];
  return compareAttrition(page, label, steps, patients, expectedSteps);
}

// ==== cohort form: groups of criteria, code labels, survival outcome: begin ====
// Every valid definition of fixtures/cohorts imported into the form with no part kept as raw
// JSON and its document unchanged (version 1 read as version 2); one of them (an AT LEAST group)
// run against the native engine. Then a cohort built as a user would: an ANY group holding an
// event criterion and a nested ALL subgroup (an event criterion and an age criterion), its
// attrition against the native engine, code chips with their labels, and a survival outcome
// picked by code search, named by the survival card. `restore` is imported back at the end.
const sortedKeys = (v) => (Array.isArray(v) ? v.map(sortedKeys) : v && typeof v === "object"
  ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedKeys(v[k])])) : v);
async function importDefinition(page, name, buffer) {
  await page.getByLabel("Import JSON").setInputFiles({ name, mimeType: "application/json", buffer });
  await page.waitForFunction((n) => (document.querySelector("#status")?.textContent ?? "").includes(n), name, { timeout: 10_000 }).catch(() => {});
}
async function runCohort(page) {
  await page.getByRole("button", { name: "Run cohort" }).click();
  await page.waitForFunction(() => document.body.dataset.results !== "pending", null, { timeout: 120_000 });
  return page.getAttribute("body", "data-results");
}
async function cohortFormSection(page, restore) {
  const fixtures = join(root, "fixtures", "cohorts");
  for (const dir of readdirSync(fixtures).sort()) {
    const expected = JSON.parse(readFileSync(join(fixtures, dir, "expected.json"), "utf8"));
    if (expected.errors) continue; // the invalid definitions
    const text = readFileSync(join(fixtures, dir, "definition.json"));
    await importDefinition(page, `${dir}.json`, text);
    const loaded = (await page.textContent("#status")) ?? "";
    const raw = await page.locator("#definition-form pre.raw").count();
    const shown = JSON.parse((await page.textContent("#json")) ?? "null");
    const file = JSON.parse(text.toString("utf8"));
    const same = file.version === 1
      ? shown.version === 2 && Array.isArray(shown.concept_sets) && !("concepts" in shown) && shown.inclusion[0].window.start === -365
      : JSON.stringify(sortedKeys(shown)) === JSON.stringify(sortedKeys(file));
    check(loaded.startsWith("Loaded") && raw === 0 && same, `fixture ${dir} loads into the form: ${loaded}; ${raw} part(s) kept as raw JSON; document ${same ? "unchanged" : "changed"}`);
    if (dir.startsWith("05_")) {
      check(await page.locator(".rule .group-at_least").count() === 1 && await page.locator(".rule .group-at_least > .criterion").count() === 3,
        "fixture 05: the AT LEAST group is edited in the form with its 3 criteria");
      const c07 = (await page.locator('.rule .chip[data-code="C07"] .chip-label').first().textContent()) ?? "";
      check(/b[êe]ta/i.test(c07), `fixture 05: the chip of C07 shows its label (${c07})`);
      check(await runCohort(page) === "ready", `fixture 05 evaluated (${await page.textContent("#status")})`);
      await compareWithNative(page, "fixture-05", 4);
    }
  }

  // the labels of an imported definition's codes, from the core's referential: a code, a prefix
  // that is not itself a code, a code the referential does not have
  const labelled = { version: 2, name: "labels", concept_sets: [{ name: "drugs", system: "ATC", codes: ["A10BA02", "A10BA0", "Z99ZZ99"] }],
    entry: { events: [{ event: "dispensing", concept_set: "drugs" }] } };
  await importDefinition(page, "labels.json", Buffer.from(JSON.stringify(labelled)));
  // the three chips drawn, each with its label (`every` alone holds on a list not drawn yet)
  await page.waitForFunction(() => {
    const labels = [...document.querySelectorAll(".entry .chip .chip-label")];
    return labels.length === 3 && labels.every((s) => s.textContent);
  }, null, { timeout: 30_000 }).catch(() => {});
  const chipLabels = await page.$$eval(".entry .chip", (cs) => cs.map((c) => `${c.getAttribute("data-code")}: ${c.querySelector(".chip-label")?.textContent ?? ""}`));
  check(JSON.stringify(chipLabels) === JSON.stringify(["A10BA02: metformine", "A10BA0: codes under A10BA0", "Z99ZZ99: not in the referential"]),
    `an imported definition's chips get their labels from the referential: ${chipLabels.join("; ")}`);

  // a new cohort: metformin, then rule 1 = ANY of (T2D diagnosis, ALL of (statin twice, aged 60+))
  await page.getByRole("button", { name: "New", exact: true }).click();
  const entrySearch = page.locator("#entry-search-focus");
  await searchFor(entrySearch, "metformine");
  await page.locator('[role=option][data-code="A10BA02"]').click();
  const entryLabel = (await page.locator('.entry .chip[data-code="A10BA02"] .chip-label').textContent()) ?? "";
  check(entryLabel === "metformine", `the entry chip shows "A10BA02 metformine" (${entryLabel})`);

  await page.getByRole("button", { name: "+ group rule" }).click();
  const rule = page.getByRole("group", { name: "rule 1", exact: true });
  await rule.getByLabel("Rule 1 name").fill("diabetes, or statins at 60 or more");
  await rule.getByLabel("Rule 1 name").press("Tab");
  await rule.locator("select.criterion-form").first().selectOption("any");
  check(await page.getByRole("group", { name: /^rule 1: ANY of/ }).count() === 1, "the group is switched to ANY and named so for assistive technologies");
  await page.getByRole("button", { name: "add event criterion to rule 1", exact: true }).click();
  const c1 = page.getByRole("group", { name: "rule 1, criterion 1", exact: true });
  await c1.getByLabel("Event kind").selectOption("diagnosis");
  const c1Search = c1.getByLabel("Add a ICD10 code", { exact: true });
  await searchFor(c1Search, "E11");
  await c1Search.press("ArrowDown");
  await c1Search.press("Enter");
  await c1.getByLabel("Window end (days)").fill("0");
  await c1.getByLabel("Window end (days)").press("Tab");
  const e11 = (await c1.locator('.chip[data-code="E11"]').textContent()) ?? "";
  check(e11.includes("E11") && e11.includes("Diabète sucré de type 2"), `a picked code's chip shows its label: "${e11.replace("×", "").trim()}"`);

  await page.getByRole("button", { name: "add subgroup to rule 1", exact: true }).click();
  const c2 = page.getByRole("group", { name: "rule 1, criterion 2", exact: true });
  await c2.locator("select.criterion-form").first().selectOption("all");
  await page.getByRole("button", { name: "add event criterion to rule 1, criterion 2", exact: true }).click();
  const c21 = page.getByRole("group", { name: "rule 1, criterion 2, criterion 1", exact: true });
  await searchFor(c21.getByLabel("Add a ATC code", { exact: true }), "statines");
  await page.locator('[role=option][data-code="C10AA"]').click();
  await c21.getByLabel("N", { exact: true }).fill("2");
  await c21.getByLabel("N", { exact: true }).press("Tab");
  await page.getByRole("button", { name: "add age / sex / place to rule 1, criterion 2", exact: true }).click();
  const c22 = page.getByRole("group", { name: "rule 1, criterion 2, criterion 2", exact: true });
  await c22.getByLabel("Age at least").fill("60");
  await c22.getByLabel("Age at least").press("Tab");

  const built = JSON.parse((await page.textContent("#json")) ?? "null");
  const r1 = built?.inclusion?.[0] ?? {};
  check(r1.name === "diabetes, or statins at 60 or more" && r1.any?.length === 2 && r1.any[0].event === "diagnosis"
    && r1.any[1].all?.length === 2 && r1.any[1].all[0].count?.at_least === 2 && r1.any[1].all[1].demographics?.age?.min === 60,
  `the JSON follows the form: ${JSON.stringify(r1)}`);
  check(((await page.textContent("#python")) ?? "").includes('"any": ['), "the Python snippet follows the form");

  // the survival outcome by code search: hospital stays for heart failure
  await page.getByLabel("Outcome event").selectOption("stay");
  const outSearch = page.locator("#outcome-search");
  await searchFor(outSearch, "insuffisance cardiaque");
  await page.locator('#outcome-box [role=option][data-code="I50"]').click();
  const i50 = (await page.locator('#outcome-box .chip[data-code="I50"] .chip-label').textContent()) ?? "";
  check(i50 === "Insuffisance cardiaque", `the outcome chip shows its label (${i50})`);
  check(((await page.textContent("#python")) ?? "").includes('c.km([("stay", "ICD10", "I50")]'), "the Python snippet computes the picked outcome");

  check(await runCohort(page) === "ready", `the grouped cohort evaluated (${await page.textContent("#status")})`);
  await compareWithNative(page, "groups", 2);
  const title = (await page.textContent("#survival h3")) ?? "";
  check(title.includes("I50 Insuffisance cardiaque") && title.includes("hospital stay"), `the survival card names the outcome: ${title}`);
  const atRisk = await page.locator("#survival .at-risk tbody tr").count();
  check(await page.locator("#survival svg").count() > 0 && atRisk === 5, `the survival curve and its ${atRisk} numbers at risk are drawn`);
  await page.locator("#definition-form").screenshot({ path: join(results, "explorer-form-groups.png") });

  // back to death: the survival card, drawn for I50, says its outcome changed until it is run
  // again (or the outcome set back to the one it was drawn for); then the earlier definition
  await page.getByRole("button", { name: "death", exact: true }).click();
  check(await page.getByLabel("Outcome event").inputValue() === "death", "the quick choice sets the outcome back to death");
  const staleTitle = (await page.textContent("#survival h3")) ?? "";
  check(await page.locator("#survival-stale").isVisible() && staleTitle === title && await page.locator("#survival[data-stale]").count() === 1,
    `a changed outcome marks the survival card stale: "${await page.textContent("#survival-stale")}" under "${staleTitle}"`);
  await page.getByRole("button", { name: "heart failure stay (I50)", exact: true }).click();
  check(await page.locator("#survival-stale").isHidden() && await page.locator("#survival[data-stale]").count() === 0,
    "the outcome set back to the one of the run: the survival card is current again");
  await page.getByRole("button", { name: "death", exact: true }).click();
  await importDefinition(page, "restored.json", readFileSync(restore));
}
// ==== cohort form: groups of criteria, code labels, survival outcome: end ====

const server = await serve(dist, 0);
const origin = server.origin;
const profile = mkdtempSync(join(tmpdir(), "cohorte-chromium-"));
// a fresh profile each run: nothing cached from an earlier build can mask a missing file
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
  viewport: { width: 1366, height: 900 },
  acceptDownloads: true,
});
const t0 = Date.now();
try {
  const page = await context.newPage();
  const consoleErrors = [];
  const foreign = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  context.on("request", (r) => {
    const u = r.url();
    if (!(u.startsWith(origin + "/") || u.startsWith("data:") || u.startsWith("blob:"))) foreign.push(u);
  });

  // ?test-hooks: the page exposes a way to crash its worker, to check the restart
  await page.goto(origin + "/?test-hooks");
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  const version = (await page.textContent("#version"))?.trim();
  check(/^\d+\.\d+\.\d+/.test(version ?? ""), `core version shown (${version})`);

  // population
  await page.getByLabel("Patients").fill(String(patients));
  await page.getByLabel("Seed").fill(String(seed));
  await page.getByLabel("Years").fill("5");
  const g0 = Date.now();
  await page.getByRole("button", { name: "Generate" }).click();
  await page.waitForSelector("body[data-generated=true]", { timeout: 180_000 });
  console.log(`     generated in the page in ${((Date.now() - g0) / 1000).toFixed(1)} s: ${await page.textContent("#status")}`);
  check(await page.getAttribute("body", "data-progress") === "100", `generation progress reported up to 100 % (${await page.getAttribute("body", "data-progress")})`);

  // entry: type a drug name, pick the code from the listbox with the mouse
  const entrySearch = page.locator("#entry-search-focus");
  await searchFor(entrySearch, "metformine");
  await page.locator('[role=option][data-code="A10BA02"]').click();
  check(await page.locator(".entry .chip code", { hasText: "A10BA02" }).count() === 1, "A10BA02 picked from the listbox");
  // and a second code from the keyboard: type a prefix, arrow down to it, Enter
  await searchFor(entrySearch, "A10BD07");
  await entrySearch.press("ArrowDown");
  await entrySearch.press("Enter");
  check(await page.locator(".entry .chip code", { hasText: "A10BD07" }).count() === 1, "A10BD07 picked with the keyboard");

  // an age rule and a sex rule
  await page.getByRole("button", { name: "+ age rule" }).click();
  const ageMin = page.locator(".rule input.age-min");
  await ageMin.fill("40");
  await ageMin.press("Tab");
  await page.getByRole("button", { name: "+ sex rule" }).click();

  await page.getByRole("button", { name: "Run cohort" }).click();
  await page.waitForSelector("body[data-results=ready], body[data-results=error]", { timeout: 120_000 });
  check(await page.getAttribute("body", "data-results") === "ready", `cohort evaluated (${await page.textContent("#status")})`);

  // the worker warms its engine up on the population in the background (the cohort above ran
  // meanwhile) and says when it is done
  const warmed = await page.waitForSelector("body[data-warm=true]", { timeout: 60_000 }).then(() => true, () => false);
  check(warmed, "the engine warmed up on the generated population");

  // results computed for another definition are marked as such: an edit after the run marks
  // them stale, running again clears the mark
  check(await page.locator("#results-stale").isHidden(), "results of the definition on screen: no stale note");
  const nameField = page.getByLabel("Cohort name", { exact: true }).first();
  const name0 = await nameField.inputValue();
  await nameField.fill(`${name0} (edited)`);
  await nameField.press("Tab");
  check(await page.locator("#results-stale").isVisible(), "an edit after the run marks the results stale");
  await nameField.fill(name0);
  await nameField.press("Tab");
  check(await page.locator("#results-stale").isHidden(), "undoing the edit clears the stale note");

  const definition = await page.textContent("#json");
  const steps = await compareWithNative(page, "form", 3);
  const K = 10;
  check(steps.length > 0 && steps[0].persons >= K, `the entry step is large enough to be shown (${steps[0]?.persons})`);

  // every result card rendered, masked cells marked with their explanation
  for (const id of ["attrition", "pyramid", "map", "months", "table1", "survival"]) {
    check(await page.locator(`#${id}`).count() === 1, `result card #${id} shown`);
  }
  // the tables of the pyramid and of the index dates: the chart's numbers, masked cells marked
  {
    const final = steps[steps.length - 1]?.persons ?? 0;
    const pyr = await page.$$eval("#pyramid details.numbers .pyramid-table tbody tr", (trs) => trs.map((tr) => [...tr.children].slice(1)
      .map((c) => (c.querySelector(".masked") ? null : Number((c.textContent ?? "").replace(/[^\d]/g, ""))))));
    const chartTexts = await page.$$eval("#pyramid svg text", (ts) => ts.map((t) => t.textContent ?? ""));
    const hiddenLabels = chartTexts.filter((t) => t === "< 10").length;
    const tableBands = await page.$$eval("#pyramid .pyramid-table tbody th", (ths) => ths.map((th) => (th.textContent ?? "").trim()));
    const missing = tableBands.filter((b) => !chartTexts.includes(b));
    const pyrCells = pyr.flat();
    const pyrMasked = pyrCells.filter((v) => v === null).length;
    const pyrShown = pyrCells.reduce((a, v) => a + (v ?? 0), 0);
    check(await page.locator("#pyramid details.numbers:not([open]) summary", { hasText: "Table of ages and sexes" }).count() === 1,
      "the pyramid's numbers are in a folded table under it");
    check(pyr.length >= 10 && pyr.every((r) => r.length === 2) && missing.length === 0 && pyrMasked === hiddenLabels,
      `the pyramid's table: ${pyr.length} age bands × 2 sexes, the chart's bands${missing.length ? ` (not in the chart: ${missing.join(", ")})` : ""}; ${pyrMasked} cell(s) masked, as many as the chart's “< 10” labels (${hiddenLabels})`);
    check(pyrMasked === 0 ? pyrShown === final : pyrShown <= final,
      `the pyramid's table adds up to the cohort's persons: ${pyrShown} shown + ${pyrMasked} masked cell(s), ${final} persons in the attrition`);
    const months = await page.$$eval("#months details.numbers .months-table tbody tr", (trs) => trs.map((tr) => ({
      month: (tr.children[0]?.textContent ?? "").trim(), masked: tr.children[1]?.querySelector(".masked") !== null,
      n: Number((tr.children[1]?.textContent ?? "").replace(/[^\d]/g, "")) })));
    const monthsShown = months.reduce((a, m) => a + (m.masked ? 0 : m.n), 0);
    const monthsMasked = months.filter((m) => m.masked).length;
    check(months.length >= 12 && months.every((m) => /^\d{4}-\d{2}$/.test(m.month)) && (monthsMasked === 0 ? monthsShown === final : monthsShown <= final),
      `the index dates' table: ${months.length} months (${months[0]?.month}..${months[months.length - 1]?.month}), ${monthsShown} persons shown + ${monthsMasked} masked cell(s), ${final} in the attrition`);
  }
  const maskedCells = await page.locator(".masked").count();
  check(maskedCells === 0 || await page.locator("details.why summary", { hasText: "Why is this hidden?" }).count() === 1,
    `${maskedCells} masked cell(s), with the "why is this hidden?" note`);
  const python = await page.textContent("#python");
  check((python ?? "").includes(`cohorte.synthetic(patients=${patients}, seed=${seed}`) && (python ?? "").includes('"A10BA02"'), "Python snippet matches the form");

  // export: the downloaded file is the definition shown
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export JSON" }).click()]);
  const exported = readFileSync(await download.path(), "utf8");
  check(JSON.stringify(JSON.parse(exported)) === JSON.stringify(JSON.parse(definition ?? "null")), "exported JSON equals the definition");

  await page.screenshot({ path: join(results, "explorer.png"), fullPage: true });

  // ==== map of départements, overseas insets: begin ====
  // On the cohort of the form, then on a Data pathologies file with overseas rows (the sample
  // of fixtures/opendata has none): one shape for each of the 101 départements, the five
  // overseas ones inside their labelled boxes below the mainland, and each row of the table of
  // départements given by its shape's title (the same value, or both masked).
  {
    const OVERSEAS = { 971: "Guadeloupe", 972: "Martinique", 973: "Guyane", 974: "La Réunion", 976: "Mayotte" };
    const digits = (t) => String(Number(t.replace(/[^\d]/g, "")));
    const checkMap = async (label, svgSel, tableSel, maskedText, absentText) => {
      const shapes = await page.$$eval(`${svgSel} path[data-dept]`, (ps) => ps.map((p) => {
        const frame = p.closest("g.inset")?.querySelector("rect.inset-frame");
        const b = p.getBBox();
        const f = frame?.getBBox();
        return {
          dept: p.getAttribute("data-dept"), masked: p.getAttribute("data-masked") === "true", title: p.querySelector("title")?.textContent ?? "",
          inset: p.closest("g.inset")?.getAttribute("data-inset") ?? null, insetLabel: p.closest("g.inset")?.querySelector("text")?.textContent ?? null,
          box: [b.x, b.y, b.x + b.width, b.y + b.height], frame: f ? [f.x, f.y, f.x + f.width, f.y + f.height] : null,
        };
      }));
      const byDept = new Map(shapes.map((s) => [s.dept, s]));
      check(shapes.length === 101 && byDept.size === 101, `${label}: the map has one shape for each of the 101 départements (${shapes.length} shapes, ${byDept.size} codes)`);
      const mainland = shapes.filter((s) => s.inset === null);
      const mainBottom = Math.max(...mainland.map((s) => s.box[3]));
      for (const [code, name] of Object.entries(OVERSEAS)) {
        const s = byDept.get(code);
        const inside = s?.frame && s.box[0] >= s.frame[0] && s.box[1] >= s.frame[1] && s.box[2] <= s.frame[2] && s.box[3] <= s.frame[3];
        check(s !== undefined && s.inset === code && s.insetLabel === name && inside && s.frame[1] > mainBottom && s.title.startsWith(`${code} ${name}: `),
          `${label}: ${code} ${name} drawn inside its labelled box below the mainland (${s ? `${s.title}; box ${s.box.map(Math.round)} in ${s.frame?.map(Math.round)}` : "no shape"})`);
      }
      const rows = await page.$$eval(`${tableSel} tbody tr`, (trs) => trs.map((tr) => ({
        code: (tr.children[0]?.textContent ?? "").trim().split(" ")[0], text: (tr.children[1]?.textContent ?? "").trim(),
        masked: tr.children[1]?.querySelector(".masked") !== null,
      })));
      // a lower bound ("≥ n", a sum including cells masked at source) kept as such on both sides
      const value = (t) => `${t.trim().startsWith("≥") ? "≥ " : ""}${digits(t)}`;
      const fromTable = new Map(rows.map((r) => [r.code, r.masked ? "masked" : value(r.text)]));
      const fromMap = (s) => (!s ? "no shape" : s.masked ? (s.title.endsWith(`: ${maskedText}`) ? "masked" : `masked, titled ${s.title}`)
        : s.title.endsWith(`: ${absentText}`) ? "absent" : value(s.title.slice(s.title.lastIndexOf(": ") + 2)));
      for (const code of Object.keys(OVERSEAS)) {
        const want = fromTable.get(code) ?? "absent";
        const got = fromMap(byDept.get(code));
        check(got === want, `${label}: ${code} on the map says ${got}, the table ${want}`);
      }
      const differ = rows.filter((r) => fromMap(byDept.get(r.code)) !== fromTable.get(r.code)).map((r) => `${r.code}: table ${fromTable.get(r.code)}, map ${fromMap(byDept.get(r.code))}`);
      const stray = shapes.filter((s) => !fromTable.has(s.dept) && fromMap(s) !== "absent").map((s) => s.title);
      check(rows.length > 0 && differ.length === 0 && stray.length === 0,
        `${label}: the ${rows.length} rows of the table of départements equal their shapes' titles${differ.length ? `; differ: ${differ.join(", ")}` : ""}${stray.length ? `; shapes with a value but no row: ${stray.join(", ")}` : ""}`);
      return { fromTable, fromMap: (code) => fromMap(byDept.get(code)) };
    };

    const cohortMap = await checkMap("cohort map", "#map svg.france", "#map .dept-table", `< ${K} (hidden)`, "0");
    console.log(`     cohort map, overseas: ${Object.keys(OVERSEAS).map((c) => `${c} ${cohortMap.fromMap(c)}`).join(", ")}`);
    await page.locator("#map svg.france").screenshot({ path: join(results, "map.png") });

    // a Data pathologies file written here, each département given by sex: overseas rows (973
    // masked at source for both sexes), Corsica (2A masked), Rhône (women masked, men shown: the
    // sum is a lower bound), and the national total
    const header = "annee;patho_niv1;patho_niv2;patho_niv3;top;cla_age_5;sexe;region;dept;Ntop;Npop;prev;niveau_prioritaire;libelle_classe_age;libelle_sexe;tri";
    const dpRows = [["1", "971", ["15000", "16250"], ["180000", "203559"]], ["2", "972", ["13400", "15010"], ["170000", "190749"]],
      ["3", "973", ["", ""], ["140000", "146618"]], ["4", "974", ["40000", "44920"], ["420000", "451157"]],
      ["6", "976", ["6000", "6480"], ["125000", "131518"]], ["84", "69", ["98120", ""], ["910000", "973437"]],
      ["94", "2A", ["", ""], ["78000", "82814"]], ["94", "2B", ["4800", "5070"], ["88000", "94258"]]]
      .flatMap(([reg, dept, ntop, npop]) => [1, 2].map((sex) => [reg, dept, sex, ntop[sex - 1], npop[sex - 1]]))
      .concat([["99", "999", 9, "4170230", "68010500"]])
      .map(([reg, dept, sex, ntop, npop], i) => `2022;Diabete;Diabete;;SUP_DIAB;tsage;${sex};${reg};${dept};${ntop};${npop};;1,2,3;tous ages;${sex === 9 ? "tous sexes" : sex === 1 ? "hommes" : "femmes"};${i + 1}`);
    await page.getByLabel(/Open an Open Medic/).setInputFiles([{ name: "effectifs_outre-mer.csv", mimeType: "text/csv", buffer: Buffer.from([header, ...dpRows, ""].join("\n"), "latin1") }]);
    await page.waitForFunction(() => /effectifs_outre-mer.csv: Data pathologies|could not be read/.test(document.querySelector("#od-status")?.textContent ?? ""), null, { timeout: 30_000 });
    check(await page.getAttribute("body", "data-opendata") === "ready", `Data pathologies file with overseas rows read (${await page.textContent("#od-status")})`);
    const odMap = await checkMap("open-data map", 'section[data-dim="dept-map"] > svg.france', 'section[data-dim="dept-map"] .od-dept', "masked at source", "not in the file");
    const want = { 971: "31250", 972: "28410", 973: "masked", 974: "84920", 976: "12480", 69: "≥ 98120", "2A": "masked", "2B": "9870" };
    const got = Object.fromEntries(Object.keys(want).map((c) => [c, odMap.fromMap(c)]));
    check(JSON.stringify(got) === JSON.stringify(want), `open-data map: the file's values on the shapes (${JSON.stringify(got)})`);
    const rhone = await page.$eval('section[data-dim="dept-map"] > svg.france path[data-dept="69"]', (p) => ({
      title: p.querySelector("title")?.textContent ?? "", masked: p.getAttribute("data-masked"), atLeast: p.getAttribute("data-at-least") }));
    const rhoneRow = ((await page.locator('section[data-dim="dept-map"] .od-dept tbody tr').filter({ has: page.locator("th", { hasText: /^69 / }) }).textContent()) ?? "").trim();
    check(rhone.title === "69 Rhône: ≥ 98,120" && rhone.masked === null && rhone.atLeast === "true" && rhoneRow.includes("≥ 98,120"),
      `open-data map: a département with one cell masked at source is titled as a lower bound, as in the table (${rhone.title}; table row ${rhoneRow})`);
    await page.locator('section[data-dim="dept-map"] > svg.france').screenshot({ path: join(results, "map-opendata.png") });

    // the sample of fixtures/opendata, without overseas rows: its map agrees with its table too
    await page.getByLabel(/Open an Open Medic/).setInputFiles(join(root, "fixtures", "opendata", "effectifs_sample.csv"));
    await page.waitForFunction(() => /effectifs_sample.csv: Data pathologies|could not be read/.test(document.querySelector("#od-status")?.textContent ?? ""), null, { timeout: 30_000 });
    await checkMap("open-data sample map", 'section[data-dim="dept-map"] > svg.france', 'section[data-dim="dept-map"] .od-dept', "masked at source", "not in the file");
  }
  // ==== map of départements, overseas insets: end ====

  // an example of the library, then the exported file imported back
  await page.getByLabel("Example").selectOption("incident_metformin");
  await page.getByRole("button", { name: "Load example" }).click();
  check((await page.locator(".def-name").inputValue()) === "Incident metformin users", "example loaded into the form");
  await page.getByRole("button", { name: "Run cohort" }).click();
  await page.waitForFunction(() => document.body.dataset.results !== "pending", null, { timeout: 120_000 });
  await compareWithNative(page, "example", 3);
  await page.getByLabel("Import JSON").setInputFiles(await download.path());
  await page.waitForFunction(() => document.querySelector("#status")?.textContent?.startsWith("Loaded"), null, { timeout: 10_000 }).catch(() => {});
  check((await page.locator(".def-name").inputValue()) === "My cohort" && await page.locator(".rule input.age-min").inputValue() === "40",
    "exported definition imported back into the form");

  await cohortFormSection(page, await download.path());

  // ---- SNDS tables written by the native writer, opened through the file input ----
  const FILE_PATIENTS = 3000;
  const tablesDir = mkdtempSync(join(tmpdir(), "cohorte-e2e-tables-"));
  const written = spawnSync("cargo", ["run", "--release", "-q", "-p", "cohorte-core", "--example", "summary", "--",
    "--patients", String(FILE_PATIENTS), "--seed", "3", "--write", tablesDir, "--format", "parquet"], { cwd: root, encoding: "utf8" });
  check(written.status === 0, `native writer wrote the tables${written.status === 0 ? "" : `: ${written.stderr.slice(-800)}`}`);
  const tableFiles = readdirSync(tablesDir).sort().map((n) => join(tablesDir, n));
  await page.getByLabel(/Or open SNDS tables/).setInputFiles(tableFiles);
  await page.waitForSelector("body[data-opened=ready], body[data-opened=error]", { timeout: 120_000 });
  check(await page.getAttribute("body", "data-opened") === "ready", `${tableFiles.length} table files opened (${await page.textContent("#status")})`);
  check(await page.locator("#filters .filter-table").count() === 1 && (await page.textContent("#filters"))?.includes("ER_PRS_F"),
    "the quality filters' report is shown");
  await page.getByRole("button", { name: "Run cohort" }).click();
  await page.waitForFunction(() => document.body.dataset.results !== "pending", null, { timeout: 120_000 });
  check(await page.getAttribute("body", "data-results") === "ready", `cohort evaluated on the opened files (${await page.textContent("#status")})`);
  check(await page.locator("#results-stale").isHidden(), "a new run clears the stale note");
  check(((await page.textContent("#survival h3")) ?? "").includes("(death)") && await page.locator("#survival-stale").isHidden(),
    `run again, the survival card names the outcome now chosen: ${await page.textContent("#survival h3")}`);
  const filesDef = join(results, "e2e-definition-files.json");
  writeFileSync(filesDef, (await page.textContent("#json")) ?? "");
  const nativeFiles = spawnSync("cargo", ["run", "--release", "-q", "-p", "cohorte-wasm", "--example", "cohort_files", "--",
    "--dir", tablesDir, "--definition", filesDef], { cwd: root, encoding: "utf8" });
  check(nativeFiles.status === 0, `native engine read the same files${nativeFiles.status === 0 ? "" : `: ${nativeFiles.stderr.slice(-800)}`}`);
  const nf = nativeFiles.status === 0 ? JSON.parse(nativeFiles.stdout) : { patients: 0, steps: [] };
  check(nf.patients === FILE_PATIENTS, `native read ${nf.patients} patients`);
  await compareAttrition(page, "files", nf.steps, nf.patients, 3);
  check((await page.textContent("#python"))?.includes("cohorte.read(") ?? false, "Python snippet reads the folder");
  await page.screenshot({ path: join(results, "explorer-files.png"), fullPage: true });
  rmSync(tablesDir, { recursive: true, force: true });

  // a bad file: the error's code and message, naming the table and the column
  await page.getByLabel(/Or open SNDS tables/).setInputFiles([{ name: "IR_BEN_R.csv", mimeType: "text/csv", buffer: Buffer.from("BEN_NIR_PSA;BEN_SEX_COD\nA;1\n") }]);
  await page.waitForSelector("body[data-opened=error]", { timeout: 30_000 });
  const bad = (await page.textContent("#status")) ?? "";
  check(/IR_BEN_R/.test(bad) && /\[missing_column\]/.test(bad) && /BEN_RNG_GEM|BEN_NAI_ANN|BEN_RES_DPT/.test(bad),
    `a bad table is reported with its code, table and column: ${bad}`);

  // ---- open-data files ----
  const od = (name) => join(root, "fixtures", "opendata", name);
  await page.getByLabel(/Open an Open Medic/).setInputFiles(od("OPEN_MEDIC_2023_SAMPLE.CSV"));
  await page.waitForFunction(() => /OPEN_MEDIC_2023_SAMPLE.CSV: Open Medic|could not be read/.test(document.querySelector("#od-status")?.textContent ?? ""), null, { timeout: 30_000 });
  check(await page.getAttribute("body", "data-opendata") === "ready", `Open Medic file read (${await page.textContent("#od-status")})`);
  // by hand from the file: BOITES 1520 + 1388 − 3 + 2210 + 415 + 9870 = 15 400; region 84: 1520 + 1388
  check((await page.textContent(".od-summary"))?.includes("15,400") ?? false, `Open Medic total boxes 15,400 (${await page.textContent(".od-summary")})`);
  const reg84 = (await page.locator(".od-region tbody tr", { hasText: "Auvergne" }).textContent()) ?? "";
  check(reg84.includes("2,908"), `Open Medic region 84 shows 2,908 boxes (${reg84})`);
  const women = (await page.locator(".od-sex tbody tr", { hasText: "women" }).textContent()) ?? "";
  check(women.includes("11,673"), `Open Medic women show 1388 + 415 + 9870 = 11,673 boxes (${women})`);

  await page.getByLabel(/Open an Open Medic/).setInputFiles(od("effectifs_sample.csv"));
  await page.waitForFunction(() => /effectifs_sample.csv: Data pathologies|could not be read/.test(document.querySelector("#od-status")?.textContent ?? ""), null, { timeout: 30_000 });
  check(await page.getAttribute("body", "data-opendata") === "ready", `Data pathologies file read (${await page.textContent("#od-status")})`);
  // département 69: Ntop 410 + 100 = 510; 2A: Ntop empty at source
  const d69 = (await page.locator(".od-dept tbody tr", { hasText: "69" }).first().textContent()) ?? "";
  check(d69.includes("510"), `Data pathologies: département 69 shows 510 patients (${d69})`);
  const d2a = page.locator(".od-dept tbody tr", { hasText: "2A" });
  check(await d2a.locator(".masked").count() === 1 && ((await d2a.textContent()) ?? "").includes("masked at source"),
    "Data pathologies: département 2A is marked masked at source");
  check(await page.locator('#opendata-results section[data-dim="dept-map"] svg.france path[data-dept="2A"][data-masked="true"]').count() === 1,
    "the open-data map hatches 2A (masked at source)");
  check(await page.locator("details.why-source summary", { hasText: "Why are cells empty?" }).count() === 1, "masked cells are explained");
  await page.locator("#opendata-results").screenshot({ path: join(results, "explorer-opendata.png") });

  // ---- a crashed worker: pending requests rejected, worker restarted, user told ----
  await page.evaluate(() => window.cohorteTest.crashWorker());
  await page.waitForSelector("body[data-restarts='1']", { timeout: 30_000 });
  const told = (await page.textContent("#status")) ?? "";
  check(/restarted/.test(told) && /\[worker_crashed\]/.test(told), `the user is told the engine restarted: ${told}`);
  check(await page.getByRole("button", { name: "Run cohort" }).isDisabled(), "Run is disabled until data is loaded again");
  await page.locator("#patients").fill("2000");
  await page.getByRole("button", { name: "Generate" }).click();
  await page.waitForSelector("body[data-generated=true]", { timeout: 60_000 });
  await page.getByRole("button", { name: "Run cohort" }).click();
  await page.waitForFunction(() => document.body.dataset.results !== "pending", null, { timeout: 60_000 });
  check(await page.getAttribute("body", "data-results") === "ready", "the restarted engine evaluates a cohort");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(results, "explorer-phone.png"), fullPage: false });

  // the deliberate crash is the only error allowed
  const errors = consoleErrors.filter((m) => !m.includes("deliberate worker crash"));
  check(errors.length === 0, `no console error${errors.length ? `: ${errors.join(" | ")}` : ""}`);
  check(foreign.length === 0, `no request to another origin${foreign.length ? `: ${foreign.join(", ")}` : ""}`);
} catch (e) {
  check(false, `unexpected error: ${e?.stack ?? e}`);
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
const secs = ((Date.now() - t0) / 1000).toFixed(1);
if (failures.length) {
  console.log(`== test-web: FAILED (${failures.length} check(s)) in ${secs} s`);
  process.exit(1);
}
console.log(`== test-web: explorer e2e passed (${patients} patients, seed ${seed}, attrition equal to the native engine; opened SNDS and open-data files; worker restart) in ${secs} s; screenshots in web-demo/test-results/`);
