// Explorer timings in headless Chromium: page load to the first attrition on a synthetic
// population, and the cohort evaluation of each example definition in the page (wasm, in the
// worker) against the native engine (core/examples/cohort.rs) on the same data.
//
//   node e2e/bench.mjs [--patients 100000] [--seed 1]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const here = new URL("..", import.meta.url).pathname;
const patients = Number(arg("patients", "100000"));
const seed = Number(arg("seed", "1"));
const root = join(here, "..");
const server = await serve(join(here, "dist"), 0);
const profile = mkdtempSync(join(tmpdir(), "cohorte-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(server.origin + "/");
  await page.waitForSelector("body[data-ready=true]");
  await page.getByLabel("Patients").fill(String(patients));
  await page.getByLabel("Seed").fill(String(seed));
  await page.getByRole("button", { name: "Generate" }).click();
  await page.waitForSelector("body[data-generated=true]", { timeout: 300_000 });
  const tGen = Date.now();
  const examples = await page.$$eval("#examples option", (os) => os.map((o) => o.value));
  console.log(`${"definition".padEnd(30)} ${"wasm ms".padStart(10)} ${"native ms".padStart(10)} ${"ratio".padStart(7)}`);
  let first = null;
  for (const name of examples) {
    await page.getByLabel("Example").selectOption(name);
    await page.getByRole("button", { name: "Load example" }).click();
    await page.evaluate(() => { document.body.dataset.results = "pending"; });
    await page.getByRole("button", { name: "Run cohort" }).click();
    await page.waitForFunction(() => document.body.dataset.results !== "pending", null, { timeout: 300_000 });
    first ??= Date.now();
    const wasm = Number(await page.getAttribute("#timing", "data-eval-ms"));
    const defFile = join(tmpdir(), `cohorte-bench-${name}.json`);
    writeFileSync(defFile, (await page.textContent("#json")) ?? "");
    const native = spawnSync("cargo", ["run", "--release", "-q", "-p", "cohorte-core", "--example", "cohort", "--",
      "--patients", String(patients), "--seed", String(seed), "--definition", defFile], { cwd: root, encoding: "utf8" });
    const nat = Number(/evaluation_ms ([\d.]+)/.exec(native.stderr)?.[1] ?? NaN);
    console.log(`${name.padEnd(30)} ${wasm.toFixed(1).padStart(10)} ${nat.toFixed(1).padStart(10)} ${(wasm / nat).toFixed(2).padStart(7)}`);
  }
  console.log(`== bench-web: ${patients} patients; page load to generated ${((tGen - t0) / 1000).toFixed(2)} s, to first attrition ${(((first ?? tGen) - t0) / 1000).toFixed(2)} s`);
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
