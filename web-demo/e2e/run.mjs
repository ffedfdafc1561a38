// End-to-end test of the built explorer in Debian's Chromium: generate 50 000 patients, build
// a cohort through the form as a user would, and check the attrition against the native engine
// (core/examples/cohort.rs) for the same seed and definition. Also: no console error, no request
// to any other origin, a screenshot in test-results/.
//
//   node e2e/run.mjs [--dist dist] [--patients 50000] [--seed 7]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

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

// Reads the attrition table of the page and checks it against the native engine run on the
// definition the page shows; a count the page masks must be one of 1..k-1 natively.
async function compareWithNative(page, label, expectedSteps) {
  const K = 10;
  const definition = await page.textContent("#json");
  const defFile = join(results, `e2e-definition-${label}.json`);
  writeFileSync(defFile, definition ?? "");
  const shownSteps = await page.$$eval(".attrition-table tbody tr", (trs) => trs.map((tr) => {
    const cells = [...tr.children].map((c) => c.textContent?.trim() ?? "");
    const masked = [...tr.children].map((c) => c.querySelector(".masked") !== null);
    return { name: cells[0], persons: cells[1], events: cells[2], personsMasked: masked[1], eventsMasked: masked[2] };
  }));
  const native = spawnSync("cargo", ["run", "--release", "-q", "-p", "cohorte-core", "--example", "cohort", "--",
    "--patients", String(patients), "--seed", String(seed), "--years", "5", "--definition", defFile], { cwd: root, encoding: "utf8" });
  check(native.status === 0, `${label}: native engine ran${native.status === 0 ? "" : `: ${native.stderr.slice(-800)}`}`);
  const steps = native.status === 0 ? JSON.parse(native.stdout) : [];
  check(steps.length === shownSteps.length && steps.length === expectedSteps,
    `${label}: attrition has ${shownSteps.length} steps in the page, ${steps.length} natively (expected ${expectedSteps})`);
  const parse = (txt) => Number(txt.replace(/[^\d]/g, ""));
  const want = (n) => (n > 0 && n < K ? "masked" : String(n));
  const got = (txt, m) => (m ? "masked" : String(parse(txt)));
  steps.forEach((s, i) => {
    const shown = shownSteps[i] ?? {};
    check(shown.name === s.name && got(shown.persons, shown.personsMasked) === want(s.persons) && got(shown.events, shown.eventsMasked) === want(s.events),
      `${label} step ${i} "${s.name}": page ${got(shown.persons, shown.personsMasked)} persons / ${got(shown.events, shown.eventsMasked)} events, native ${s.persons} / ${s.events}`);
  });
  return steps;
}

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

  await page.goto(origin + "/");
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

  // entry: type a drug name, pick the code from the listbox with the mouse
  const entrySearch = page.locator("#entry-search-focus");
  await entrySearch.pressSequentially("metformine", { delay: 20 });
  await page.locator('[role=option][data-code="A10BA02"]').click();
  check(await page.locator(".entry .chip code", { hasText: "A10BA02" }).count() === 1, "A10BA02 picked from the listbox");
  // and a second code from the keyboard: type a prefix, arrow down to it, Enter
  await entrySearch.pressSequentially("A10BD07", { delay: 20 });
  await page.waitForSelector('[role=option][data-code="A10BD07"]');
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

  const definition = await page.textContent("#json");
  const steps = await compareWithNative(page, "form", 3);
  const K = 10;
  check(steps.length > 0 && steps[0].persons >= K, `the entry step is large enough to be shown (${steps[0]?.persons})`);

  // every result card rendered, masked cells marked with their explanation
  for (const id of ["attrition", "pyramid", "map", "months", "table1", "survival"]) {
    check(await page.locator(`#${id}`).count() === 1, `result card #${id} shown`);
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
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(results, "explorer-phone.png"), fullPage: false });

  check(consoleErrors.length === 0, `no console error${consoleErrors.length ? `: ${consoleErrors.join(" | ")}` : ""}`);
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
console.log(`== test-web: explorer e2e passed (${patients} patients, seed ${seed}, attrition equal to the native engine) in ${secs} s; screenshots in web-demo/test-results/`);
