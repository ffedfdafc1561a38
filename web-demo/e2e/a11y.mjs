// Accessibility, screen sizes and offline use of the built explorer, in Debian's Chromium:
//  1. axe-core (from node_modules, injected into the page: never fetched) finds no serious or
//     critical violation, colour contrast included, at load, after a generation, with the code
//     search's list open, with a code search that finds nothing (said in a live region outside
//     the list, as the number of results is), with the results of a cohort and of open-data files shown (every
//     <details> opened), and with results on the phone;
//  2. keyboard only (no mouse call): skip link, Patients, Generate, the entry code search
//     ("metformine", ArrowDown, Enter), Run cohort, the attrition table; every focus stop is
//     visible and the controls show a focus indicator; focus is kept through generation and run;
//  3. phone (390×844, touch): no horizontal scroll, every control of the form visible and at least
//     24 px tall and wide, text at least 12 px, a population generated and a cohort run by touch,
//     test-results/phone.png (and phone-results.png); laptop (1280×800): no horizontal scroll;
//  4. offline once loaded: the browser set offline and every request aborted, a population
//     generated, a cohort run, results and charts shown, and no request attempted after going
//     offline (the worker and the wasm module are fetched at load); then the page reloaded
//     offline, served by its service worker, generates and evaluates again.
// Throughout: no request to another origin, no console error.
//
//   node e2e/a11y.mjs [--dist dist] [--patients 20000]
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";
import { answered, searchFor, serviceWorkerActivated } from "./wait.mjs";

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const here = new URL("..", import.meta.url).pathname;
const dist = join(here, arg("dist", "dist"));
const patients = Number(arg("patients", "20000"));
const results = join(here, "test-results");
mkdirSync(results, { recursive: true });
const axeSource = readFileSync(join(here, "node_modules", "axe-core", "axe.min.js"), "utf8");

const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); console.log(`${ok ? "ok  " : "FAIL"} ${what}`); };
const section = (title) => console.log(`-- ${title}`);

const server = await serve(dist, 0);
const origin = server.origin;
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});

const foreign = [];
const consoleErrors = [];
/** A fresh context (nothing cached), its requests watched, with one page whose errors are kept. */
async function open(label, options) {
  const context = await browser.newContext(options);
  context.on("request", (r) => {
    const u = r.url();
    if (!(u.startsWith(origin + "/") || u.startsWith("data:") || u.startsWith("blob:"))) foreign.push(`${label}: ${u}`);
  });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(`${label}: ${m.text()}`); });
  page.on("pageerror", (e) => consoleErrors.push(`${label}: ${e}`));
  return { context, page };
}
async function load(page) {
  await page.goto(origin + "/");
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
}
async function waitResults(page) {
  await page.waitForSelector("body[data-results=ready], body[data-results=error]", { timeout: 120_000 });
  return page.getAttribute("body", "data-results");
}

/** axe-core on the whole page: serious and critical violations fail, with their targets. */
async function axe(page, label) {
  if (!(await page.evaluate(() => "axe" in window))) {
    // the local file, evaluated in the page: the page's Content-Security-Policy (rightly) refuses
    // an inline <script>, which addScriptTag would add
    await page.evaluate(axeSource);
  }
  const { contrastRan, violations } = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return { contrastRan: r.passes.some((p) => p.id === "color-contrast"), violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(" ")}${n.failureSummary ? `: ${n.failureSummary.replace(/\s+/g, " ")}` : ""}`) })) };
  });
  check(contrastRan || violations.some((v) => v.id === "color-contrast"), `${label}: axe measured the colour contrast of the text`);
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of violations) {
    console.log(`     axe ${v.impact} ${v.id} (${v.help}), ${v.nodes.length} node(s)`);
    for (const n of v.nodes.slice(0, 6)) console.log(`       ${n.slice(0, 400)}`);
  }
  check(bad.length === 0, `${label}: axe finds no serious or critical violation${bad.length ? `: ${bad.map((v) => v.id).join(", ")}` : ""} (${violations.length - bad.length} minor)`);
}

/** The document does not scroll sideways. */
async function noOverflow(page, label) {
  const { sw, cw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  check(sw <= cw, `${label}: no horizontal scroll (scroll width ${sw} px, viewport ${cw} px)`);
}

/** Opens every <details> so that axe sees their content. */
const openDetails = (page) => page.evaluate(() => document.querySelectorAll("details").forEach((d) => { d.open = true; }));

/** The focused element, described. */
const focused = (page) => page.evaluate(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return { id: "", tag: "body" };
  const r = el.getBoundingClientRect();
  const cs = getComputedStyle(el);
  const ring = (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0) || (cs.boxShadow !== "none" && cs.boxShadow !== "");
  return {
    id: el.id, tag: el.tagName.toLowerCase(), text: (el.textContent ?? "").trim().slice(0, 30),
    visible: r.width > 0 && r.height > 0 && r.right > 0 && r.left < document.documentElement.clientWidth && cs.visibility !== "hidden",
    ring, outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`,
  };
});

const t0 = Date.now();
try {
  // ---- 1. axe-core, on a laptop screen ----
  section("axe-core and the laptop screen (1280×800)");
  {
    const { context, page } = await open("laptop", { viewport: { width: 1280, height: 800 } });
    await load(page);
    await noOverflow(page, "laptop at load");
    await axe(page, "at load");
    await page.locator("#patients").fill(String(patients));
    await page.getByRole("button", { name: "Generate" }).click();
    await page.waitForSelector("body[data-generated=true]", { timeout: 120_000 });
    await axe(page, "after generation");
    await page.locator("#entry-search-focus").fill("metformine");
    await page.waitForSelector('[role=option][data-code="A10BA02"]');
    await axe(page, "with the list of codes open");
    // a search that finds nothing: said outside the list (a live region), the list closed
    await page.locator("#entry-search-focus").fill("zzzzqq");
    await answered(page.locator("#entry-search-focus"), "zzzzqq");
    const none = await page.evaluate(() => {
      const s = document.getElementById("entry-search-focus-status");
      const r = s?.getBoundingClientRect();
      return { text: s?.textContent ?? "", live: s?.getAttribute("role") === "status", inList: s?.closest("[role=listbox]") !== null,
        visible: Boolean(r && r.width > 1 && r.height > 1), expanded: document.getElementById("entry-search-focus")?.getAttribute("aria-expanded") };
    });
    check(none.text === "no code found for “zzzzqq”" && none.live && !none.inList && none.visible && none.expanded === "false",
      `a search that finds nothing says so in a live region outside the list: "${none.text}" (role=status ${none.live}, in the list ${none.inList}, visible ${none.visible}, expanded ${none.expanded})`);
    await axe(page, "with a code search that finds nothing");
    await page.locator("#entry-search-focus").fill("metformine");
    await page.waitForSelector('[role=option][data-code="A10BA02"]');
    const count = (await page.textContent("#entry-search-focus-status")) ?? "";
    check(/^\d+ codes? found for “metformine”$/.test(count), `the number of results is announced: "${count}"`);
    await page.locator("#entry-search-focus").fill("");
    // the first example of the library, as a user would run it first
    await page.getByRole("button", { name: "Load example" }).click();
    await page.getByRole("button", { name: "Run cohort" }).click();
    check(await waitResults(page) === "ready", `laptop: cohort evaluated (${await page.textContent("#status")})`);
    for (const id of ["attrition", "pyramid", "map", "months", "table1", "survival"]) {
      check(await page.locator(`#${id}`).count() === 1, `laptop: result card #${id} shown`);
    }
    await noOverflow(page, "laptop with results");
    await openDetails(page);
    await axe(page, "with the results shown");
    await page.getByLabel(/Open an Open Medic/).setInputFiles(join(here, "..", "fixtures", "opendata", "OPEN_MEDIC_2023_SAMPLE.CSV"));
    await page.waitForSelector("body[data-opendata=ready], body[data-opendata=error]", { timeout: 30_000 });
    await page.getByLabel(/Open an Open Medic/).setInputFiles(join(here, "..", "fixtures", "opendata", "effectifs_sample.csv"));
    await page.waitForFunction(() => /effectifs_sample.csv/.test(document.querySelector("#od-status")?.textContent ?? ""), null, { timeout: 30_000 });
    check(await page.getAttribute("body", "data-opendata") === "ready", `laptop: open-data file read (${await page.textContent("#od-status")})`);
    await noOverflow(page, "laptop with open-data results");
    await openDetails(page);
    await axe(page, "with open-data results shown");
    await context.close();
  }

  // ---- 2. keyboard only ----
  section("keyboard only");
  {
    const { context, page } = await open("keyboard", { viewport: { width: 1280, height: 800 } });
    await load(page);
    const kb = page.keyboard;
    const stops = [];
    /** Tab until the element with `id` is focused; every stop on the way must be visible. */
    const tabTo = async (id, max = 60) => {
      for (let i = 0; i < max; i++) {
        await kb.press("Tab");
        const f = await focused(page);
        stops.push(f);
        if (f.tag !== "body" && !f.visible) check(false, `focus stop <${f.tag} id="${f.id}"> "${f.text}" is visible`);
        if (f.id === id) return f;
      }
      check(false, `#${id} reached with Tab in ${max} presses`);
      return null;
    };
    const ringed = (f, what) => check(Boolean(f?.ring), `${what} shows a focus indicator when focused (outline ${f?.outline})`);

    await kb.press("Tab");
    const skip = await focused(page);
    check(skip.tag === "a" && skip.text === "Skip to content" && skip.visible, `the first Tab stop is the skip link, visible when focused (${skip.tag} "${skip.text}")`);
    ringed(skip, "the skip link");
    await kb.press("Enter");
    await kb.press("Tab");
    const pf = await focused(page);
    check(pf.id === "patients", `after the skip link, Tab reaches the Patients field (${pf.tag}#${pf.id})`);
    ringed(pf, "the Patients field");
    await kb.press("Control+A");
    await kb.type(String(patients));
    check(await page.inputValue("#patients") === String(patients), `Patients typed: ${await page.inputValue("#patients")}`);
    ringed(await tabTo("generate"), "the Generate button");
    await kb.press("Enter");
    await page.waitForSelector("body[data-generated=true]", { timeout: 120_000 });
    check(/Generated/.test((await page.textContent("#status")) ?? ""), `generated from the keyboard: ${await page.textContent("#status")}`);
    const afterGen = await focused(page);
    check(afterGen.id === "generate", `focus is back on Generate after the generation (${afterGen.tag}#${afterGen.id})`);

    const sf = await tabTo("entry-search-focus");
    ringed(sf, "the entry code search");
    const kind = stops.find((s) => s.tag === "select");
    ringed(kind, `a select (#${kind?.id})`);
    await kb.type("metformine", { delay: 15 });
    // each key sent a search: wait until the list shows the last one's answer
    await answered(page.locator("#entry-search-focus"), "metformine");
    await kb.press("ArrowDown");
    const code = await page.evaluate(() => {
      const input = document.getElementById("entry-search-focus");
      const opt = document.getElementById(input?.getAttribute("aria-activedescendant") ?? "");
      return opt?.getAttribute("data-code") ?? "";
    });
    check(/^A10B/.test(code), `ArrowDown makes a metformin code the active option (${code})`);
    await kb.press("Enter");
    check(await page.locator(".entry .chip code", { hasText: code }).count() === 1, `${code} picked with Enter`);
    const back = await focused(page);
    check(back.id === "entry-search-focus", `focus stays in the code search after the pick (${back.tag}#${back.id})`);
    // Escape closes the list
    await kb.type("A10BD", { delay: 15 });
    // the last search's answer shown (an earlier one arriving after Escape would open the list again)
    await answered(page.locator("#entry-search-focus"), "A10BD");
    check(await page.getAttribute("#entry-search-focus", "aria-expanded") === "true", "the list of codes is open for “A10BD”");
    await kb.press("Escape");
    check(await page.getAttribute("#entry-search-focus", "aria-expanded") === "false", "Escape closes the list of codes");
    await kb.press("Control+A");
    await kb.press("Backspace");

    const rf = await tabTo("run");
    ringed(rf, "the Run cohort button");
    await kb.press("Space");
    check(await waitResults(page) === "ready", `cohort run from the keyboard (${await page.textContent("#status")})`);
    const rows = await page.locator(".attrition-table tbody tr").count();
    check(rows >= 1, `the attrition table appears (${rows} step(s))`);
    const afterRun = await focused(page);
    check(afterRun.id === "run", `focus is back on Run cohort after the evaluation (${afterRun.tag}#${afterRun.id})`);
    // the explanation of hidden cells opens from the keyboard
    const summary = page.locator("#why-hidden summary");
    await summary.focus();
    await kb.press("Enter");
    check(await page.locator("#why-hidden[open]").count() === 1, "“Why is this hidden?” opens with Enter");
    await context.close();
  }

  // ---- 3. phone ----
  section("phone (390×844, touch)");
  {
    const { context, page } = await open("phone", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await load(page);
    await noOverflow(page, "phone at load");
    /** Every control of the population and cohort forms: on screen, unobstructed, 24 px at least. */
    const controls = async (label) => {
      const bad = await page.evaluate(() => {
        const out = [];
        const els = document.querySelectorAll("main button, main input, main select, main summary");
        for (const el of els) {
          if (el.closest("[hidden], details:not([open]) > :not(summary)")) continue;
          el.scrollIntoView({ block: "center", inline: "nearest" });
          const r = el.getBoundingClientRect();
          const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className ? `.${String(el.className).split(" ")[0]}` : ""} "${(el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 20)}"`;
          if (r.height < 24 || r.width < 24) out.push(`${name} is ${r.width.toFixed(0)}×${r.height.toFixed(0)} px`);
          if (r.left < 0 || r.right > document.documentElement.clientWidth + 0.5) out.push(`${name} overflows the screen (${r.left.toFixed(0)}..${r.right.toFixed(0)})`);
          const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          if (!hit || !(el === hit || el.contains(hit))) out.push(`${name} is covered by ${hit?.tagName.toLowerCase()}${hit?.id ? `#${hit.id}` : ""}`);
        }
        return { n: els.length, out };
      });
      check(bad.out.length === 0, `${label}: the ${bad.n} controls are on screen, unobstructed and at least 24 px${bad.out.length ? `: ${bad.out.join("; ")}` : ""}`);
    };
    /** Text of the page (SVG charts aside) is 12 px or larger. */
    const textSize = async (label) => {
      const small = await page.evaluate(() => {
        const out = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const el = n.parentElement;
          if (!el || !n.textContent?.trim() || el.closest("svg, [hidden], script, style")) continue;
          if (el.getClientRects().length === 0) continue;
          const px = parseFloat(getComputedStyle(el).fontSize);
          if (px < 12) out.push(`${el.tagName.toLowerCase()} "${n.textContent.trim().slice(0, 20)}" ${px} px`);
        }
        return out;
      });
      check(small.length === 0, `${label}: no text under 12 px${small.length ? `: ${[...new Set(small)].slice(0, 8).join("; ")}` : ""}`);
    };
    await controls("phone at load");
    await textSize("phone at load");
    await page.locator("#patients").fill(String(patients));
    await page.locator("#generate").tap();
    await page.waitForSelector("body[data-generated=true]", { timeout: 120_000 });
    await page.locator("#entry-search-focus").fill("metformine");
    await page.locator('[role=option][data-code="A10BA02"]').tap();
    check(await page.locator(".entry .chip code", { hasText: "A10BA02" }).count() === 1, "phone: A10BA02 picked by touch");
    await page.locator("#run").tap();
    check(await waitResults(page) === "ready", `phone: cohort evaluated (${await page.textContent("#status")})`);
    check(await page.locator(".attrition-table tbody tr").count() >= 1, "phone: the attrition table is shown");
    await noOverflow(page, "phone with results");
    // charts are drawn at the card's width: their labels are not scaled down below 9 px
    const scaled = await page.evaluate(() => [...document.querySelectorAll("#results svg[viewBox]:not(.france)")].flatMap((svg) => {
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      return [...svg.querySelectorAll("text")].map((t) => scale * parseFloat(getComputedStyle(t).fontSize))
        .filter((px) => px < 9).map((px) => `${svg.closest("section")?.id}: ${px.toFixed(1)} px`);
    }));
    check(scaled.length === 0, `phone: chart labels drawn at 9 px or more${scaled.length ? `: ${[...new Set(scaled)].slice(0, 6).join("; ")}` : ""}`);
    await openDetails(page);
    await axe(page, "phone with the results shown");
    await controls("phone with results");
    await textSize("phone with results");
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(results, "phone.png") });
    await page.locator("#attrition").evaluate((el) => el.scrollIntoView());
    await page.screenshot({ path: join(results, "phone-results.png") });
    await context.close();
  }

  // ---- 4. offline once loaded ----
  section("offline once loaded");
  {
    const { context, page } = await open("offline", { viewport: { width: 1280, height: 800 } });
    const seen = [];
    let offline = false;
    const after = [];
    context.on("request", (r) => { seen.push(r.url()); if (offline) after.push(r.url()); });
    await load(page);
    check(seen.some((u) => /\.wasm$/.test(u)) && seen.some((u) => /worker[^/]*\.js$/.test(u)),
      `the worker and the wasm module are fetched at load (${seen.map((u) => u.replace(origin, "")).join(", ")})`);
    // the service worker has cached the explorer's files before the network goes: its files are
    // cached when it installs, and its activation (old caches removed) is over once `activated`
    const active = await serviceWorkerActivated(page);
    const files = await page.evaluate(async () => {
      const names = await caches.keys();
      return names.length ? (await (await caches.open(names[0])).keys()).map((r) => new URL(r.url).pathname) : [];
    });
    check(active === "activated" && files.some((f) => f.endsWith(".wasm")) && files.some((f) => /worker[^/]*\.js$/.test(f)),
      `the service worker is active (${active}) and has cached the page, the worker and the wasm module (${files.length} files)`);
    // generate a population, pick metformin as the entry and run: the state of the results
    const generateAndRun = async () => {
      await page.locator("#patients").fill(String(patients));
      await page.getByRole("button", { name: "Generate" }).click();
      await page.waitForSelector("body[data-generated=true]", { timeout: 120_000 });
      await searchFor(page.locator("#entry-search-focus"), "metformine", { delay: 15 });
      await page.locator('[role=option][data-code="A10BA02"]').click();
      await page.getByRole("button", { name: "Run cohort" }).click();
      return waitResults(page);
    };
    offline = true;
    await context.setOffline(true);
    await context.route("**", (r) => r.abort());
    const state = await generateAndRun();
    check(state === "ready", `offline: cohort evaluated (${await page.textContent("#status")})`);
    const charts = await page.locator("#results svg").count();
    check(await page.locator(".attrition-table tbody tr").count() >= 1 && charts >= 5, `offline: results and ${charts} charts shown`);
    // open-data aggregates too: a file read in the page
    await page.getByLabel(/Open an Open Medic/).setInputFiles({ name: "OPEN_MEDIC_2023.CSV", mimeType: "text/csv",
      buffer: readFileSync(join(here, "..", "fixtures", "opendata", "OPEN_MEDIC_2023_SAMPLE.CSV")) });
    await page.waitForSelector("body[data-opendata=ready], body[data-opendata=error]", { timeout: 30_000 });
    check(await page.getAttribute("body", "data-opendata") === "ready", `offline: an Open Medic file read (${await page.textContent("#od-status")})`);
    check(after.length === 0, `no request attempted after going offline${after.length ? `: ${after.join(", ")}` : ""}`);
    // still offline, the page reloaded: served by the service worker, it works as before
    await page.reload();
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    check(await generateAndRun() === "ready", `offline, after a reload: a population generated and a cohort evaluated (${await page.textContent("#status")})`);
    await context.close();
  }

  check(consoleErrors.length === 0, `no console error${consoleErrors.length ? `: ${consoleErrors.join(" | ")}` : ""}`);
  check(foreign.length === 0, `no request to another origin${foreign.length ? `: ${foreign.join(", ")}` : ""}`);
} catch (e) {
  check(false, `unexpected error: ${e?.stack ?? e}`);
} finally {
  await browser.close();
  server.close();
}
const secs = ((Date.now() - t0) / 1000).toFixed(1);
if (failures.length) {
  console.log(`== test-web a11y: FAILED (${failures.length} check(s)) in ${secs} s`);
  process.exit(1);
}
console.log(`== test-web a11y: axe-core, keyboard only, phone and laptop layouts, offline use passed in ${secs} s; web-demo/test-results/phone.png`);
