// The explorer page: population form, cohort form, and the protected results. Every number
// displayed comes from the worker's protected aggregates (k = K) or its masked attrition.
import * as Plot from "@observablehq/plot";
import {
  Engine,
  EngineError,
  K,
  type Aggregate,
  type FileBytes,
  type InitReply,
  type OpenDataFile,
  type Outcome,
  type Results,
  type Summary,
} from "./api";
import { franceSvg, mapSvg } from "./map";
import { dataPathologies, openMedic, pathologies, type Breakdown, type Group } from "./opendata";
import { migrated, mountOutcome, outcome, outcomeLabel, outcomePython, renderForm as renderDefinitionForm, type FormHost } from "./form";
import "./style.css";

// Definitions are JSON documents edited in place, so an imported or example definition keeps
// every field the form does not show.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const engine = new Engine();
const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [a, v] of Object.entries(attrs)) {
    if (a === "text") el.textContent = v;
    else el.setAttribute(a, v);
  }
  el.append(...children);
  return el;
}

let info: InitReply | null = null;
/** The data the cohorts run on: generated in the page or read from the files the user opened. */
type Data = { kind: "synthetic"; patients: number; seed: number; years: number } | { kind: "files"; files: string[] };
let data: Data | null = null;
let uid = 0;

function blankDefinition(): Json {
  return {
    version: 2,
    name: "My cohort",
    concept_sets: [{ name: "entry", system: "ATC", codes: [] }],
    entry: { events: [{ event: "dispensing", concept_set: "entry" }], occurrence: "first", prior_observation: 365 },
    inclusion: [],
  };
}
let def: Json = blankDefinition();

function select(label: string, options: [string, string][], value: string, onChange: (v: string) => void, cls = ""): HTMLElement {
  const id = `sel-${++uid}`;
  const s = h("select", { id, class: cls });
  for (const [v, t] of options) { const o = h("option", { value: v, text: t }); if (v === value) o.selected = true; s.append(o); }
  s.addEventListener("change", () => onChange(s.value));
  return h("div", { class: "field" }, h("label", { for: id, text: label }), s);
}

// ---------- the cohort form (src/form.ts) ----------
const formHost: FormHost = {
  engine,
  changed: () => { renderSnippet(); outcomeEdited(); },
  departements: () => info?.departements ?? [],
  regions: () => info?.regions ?? [],
};
function renderForm(): void {
  renderDefinitionForm($("definition-form"), def, formHost);
}

// ---------- JSON import / export and the Python snippet ----------
function py(v: unknown, indent = ""): string {
  const next = indent + "    ";
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== "object" || x === null)) return `[${v.map((x) => py(x)).join(", ")}]`;
    return `[\n${v.map((x) => next + py(x, next)).join(",\n")},\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, x]) => `${next}${JSON.stringify(k)}: ${py(x, next)}`).join(",\n")},\n${indent}}`;
}
function renderSnippet(): void {
  const p = readPopulation();
  const load = data?.kind === "files"
    ? `# the folder holding ${data.files.join(", ")}\nds = cohorte.read("path/to/folder")\n`
    : `ds = cohorte.synthetic(patients=${p.patients}, seed=${p.seed}, years=${p.years})\n`;
  $("python").textContent = `import cohorte\n\n${load}c = ds.cohort(${py(def)})\nprint(c.attrition())\nprint(c.km(${outcomePython()}, times=[0, 90, 180, 365, 730]).at_risk)\n`;
  $("json").textContent = JSON.stringify(def, null, 2);
  definitionEdited();
}
/** The definition the results on screen were computed for (JSON). */
let ranDefinition: string | null = null;
function definitionEdited(): void {
  const note = document.getElementById("results-stale");
  if (!note) return;
  const changed = JSON.stringify(def) !== ranDefinition;
  note.hidden = !changed;
  $("results").toggleAttribute("data-stale", changed);
}
function loadDefinition(text: string, source: string): void {
  try {
    const parsed = JSON.parse(text) as Json;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("expected a cohort definition (a JSON object)");
    if (!Array.isArray(parsed.entry?.events)) throw new Error("entry.events: expected the list of entry events");
    def = migrated(parsed);
    renderForm();
    status(`Loaded ${source}.`);
  } catch (e) {
    status(`Could not load ${source}: ${(e as Error).message}`, true);
  }
}

// ---------- disclosure-aware rendering ----------
const WHY = `Counts of fewer than ${K} persons are hidden, and so are the cells from which a hidden count could be recomputed.`;
const WHY_ATTRITION = `Each step keeps part of the persons of the step before, so the difference of two counts shown is a count of persons too: a step is hidden when it is under ${K}, or when it differs from a count shown above it (or from the population's size) by 1 to ${K - 1}; a loss is shown only between two counts shown.`;
function maskedStep(): HTMLElement {
  return h("span", { class: "masked", title: WHY_ATTRITION, "aria-label": "hidden by disclosure control", text: "masked" });
}
function masked(): HTMLElement {
  return h("span", { class: "masked", title: WHY, "aria-label": `fewer than ${K}, hidden`, text: `< ${K}` });
}
// One formatter per number of digits: `toLocaleString` with options builds a formatter per call,
// which made the tables of a redraw about 10 ms slower.
const formatters = new Map<number, Intl.NumberFormat>();
function formatNumber(v: number, digits = 0): string {
  let f = formatters.get(digits);
  if (!f) formatters.set(digits, (f = new Intl.NumberFormat("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits })));
  return f.format(v);
}
function cell(v: unknown, isMasked: boolean, digits = 0): HTMLElement | string {
  if (isMasked) return masked();
  if (v === null || v === undefined || v === "") return "";
  if (typeof v === "number") return formatNumber(v, digits);
  return String(v);
}
function table(caption: string, head: string[], rows: (HTMLElement | string)[][], cls: string): HTMLElement {
  return h("table", { class: cls },
    h("caption", { text: caption }),
    h("thead", {}, h("tr", {}, ...head.map((c) => h("th", { scope: "col", text: c })))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", {}, c)))))));
}
const num = (r: Record<string, unknown>, c: string): number | null => (r[`${c}_masked`] ? null : (r[c] as number | null));
/**
 * A chart (an Observable Plot figure or svg) as one image for assistive technologies, named by
 * `label`: the labels Plot puts on its inner groups ("bar", "rule") name nothing and are dropped.
 */
function chartImage(chart: Node, label: string): Node {
  if (!(chart instanceof Element) || chart.hasAttribute("role")) return chart;
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", label);
  chart.querySelectorAll("[aria-label]").forEach((el) => el.removeAttribute("aria-label"));
  return chart;
}
/** The width to draw a chart at in a result card of `container` (at most 640 px): its text is then not scaled down on a phone. */
function chartWidth(container: HTMLElement): number {
  const pad = 2 * (parseFloat(getComputedStyle(document.documentElement).fontSize) + 1); // a card's padding and border
  return Math.round(Math.max(260, Math.min(640, container.clientWidth - pad)));
}

/** The results of a run, whose survival curve is for `ran.outcome` (named `ran.label`). */
function renderResults(res: Results, ran: { outcome: Outcome; label: string }): void {
  const out = $("results");
  out.replaceChildren();
  // shown when the definition is edited after these results were computed (definitionEdited)
  const staleResults = h("p", { id: "results-stale", class: "note stale", role: "status", text: "The definition changed since these results: run the cohort again to update them." });
  staleResults.hidden = true;
  out.append(staleResults);
  const card = (title: string, id: string, ...body: Node[]) => out.append(h("section", { class: "card", id, "aria-labelledby": `${id}-h` }, h("h3", { id: `${id}-h`, text: title }),
    ...body.map((n) => (n instanceof SVGSVGElement || n instanceof HTMLElement && n.tagName === "FIGURE" ? chartImage(n, `${title}: chart`) : n))));
  const width = chartWidth(out);

  // attrition, protected by the core: a masked step can be 10 persons or more (it is hidden
  // because its difference with a count shown would be fewer than k persons)
  const at = res.attrition.steps;
  const atChart = Plot.plot({
    width, marginLeft: 170, marginRight: 60, height: 40 + 34 * at.length, x: { label: "persons", grid: true }, y: { label: null, domain: at.map((s) => s.name) },
    marks: [Plot.barX(at.filter((s) => s.persons !== null), { x: "persons", y: "name", fill: "#2f6690" }), Plot.ruleX([0]),
      Plot.text(at, { x: (s) => s.persons ?? 0, y: "name", text: (s) => (s.persons === null ? "masked" : formatNumber(s.persons)), dx: 4, textAnchor: "start" })],
  });
  const am = (v: number | null, isMasked: boolean) => (isMasked ? maskedStep() : cell(v, false));
  const nMasked = at.filter((s) => s.personsMasked).length;
  card("Attrition", "attrition", atChart, table("Persons remaining after each step", ["step", "persons", "index events", "persons lost"],
    at.map((s) => [s.name, am(s.persons, s.personsMasked), am(s.events, s.eventsMasked), am(s.lostPersons, s.lostPersonsMasked)]), "attrition-table"),
  h("p", { class: "note attrition-note" }, nMasked === 0 ? "No step hidden. " : `${nMasked} step(s) hidden. `,
    `${WHY_ATTRITION} `, ...(nMasked > 0 ? [h("a", { href: "#why-hidden", text: "Why is this hidden?" })] : [])));

  // age-sex pyramid
  const pyr = res.pyramid.rows.filter((r) => r.age_band !== null && r.sex !== null);
  const bands = [...new Set(pyr.map((r) => String(r.age_band)))];
  const pyrData = pyr.map((r) => ({ band: String(r.age_band), sex: r.sex === "1" ? "men" : "women", n: num(r, "persons") }));
  const shown = pyrData.filter((d) => d.n !== null).map((d) => ({ ...d, x: d.sex === "men" ? -(d.n as number) : (d.n as number) }));
  const hidden = pyrData.filter((d) => d.n === null).map((d) => ({ ...d, x: d.sex === "men" ? -1 : 1 }));
  card("Age and sex at index", "pyramid", Plot.plot({
    width, height: 60 + 16 * bands.length, marginLeft: 60, y: { domain: bands.slice().reverse(), label: "age" },
    x: { label: "← men · persons · women →", tickFormat: (d: number) => formatNumber(Math.abs(d)) },
    color: { domain: ["men", "women"], range: ["#2f6690", "#b5485d"], legend: true },
    marks: [Plot.barX(shown, { x: "x", y: "band", fill: "sex" }), Plot.ruleX([0]),
      Plot.text(hidden, { x: "x", y: "band", text: () => `< ${K}`, textAnchor: "middle", fill: "#555", fontSize: 9 })],
  }), numbers("Table of ages and sexes", table("Persons by age band and sex at index", ["age", "men", "women"], bands.map((b) => [b,
    ...(["men", "women"] as const).map((sex) => {
      const d = pyrData.find((x) => x.band === b && x.sex === sex);
      return d ? cell(d.n, d.n === null) : "0";
    })]), "pyramid-table")), maskNote(res.pyramid));

  // map
  card("Persons by département", "map", mapSvg(res.depts, info?.departements ?? [], { table, cell }), maskNote(res.depts));

  // index dates over time
  const months = res.months.rows.filter((r) => r.month !== null).map((r) => ({ month: new Date(`${String(r.month)}-01`), n: num(r, "persons") }));
  card("Index dates by month", "months", Plot.plot({
    width, height: 220, x: { label: "month of index", type: "utc" }, y: { label: "persons", grid: true },
    marks: [Plot.rectY(months.filter((d) => d.n !== null), { x1: "month", x2: (d) => new Date(d.month.getUTCFullYear(), d.month.getUTCMonth() + 1, 1), y: "n", fill: "#2f6690", inset: 0.5 }),
      Plot.tickX(months.filter((d) => d.n === null), { x: "month", stroke: "#999", strokeDasharray: "2,2" }), Plot.ruleY([0])],
  }), numbers("Table of index dates by month", table("Persons by month of index", ["month", "persons"],
    months.map((d) => [d.month.toISOString().slice(0, 7), cell(d.n, d.n === null)]), "months-table")), maskNote(res.months));

  // Table 1
  const t1 = res.table1;
  card("Baseline characteristics (Table 1, one year look-back)", "table1", table("Table 1", ["characteristic", "n", "share / mean", "sd"],
    t1.rows.map((r) => [String(r.label ?? r.variable) + (r.level && r.variable !== "sex" && r.level !== "mean" ? ` (${String(r.level)})` : ""),
      cell(r.n_1, Boolean(r.n_1_masked)),
      r.level === "mean" ? cell(r.value_1, Boolean(r.value_1_masked), 1) : r.value_1_masked ? masked() : r.value_1 === null ? "" : `${((r.value_1 as number) * 100).toFixed(1)} %`,
      cell(r.sd_1, Boolean(r.sd_1_masked), 1)]), "table1"), maskNote(t1));

  // survival
  const curve = res.km.curve.rows.filter((r) => !r.survival_masked && r.survival !== null);
  const band = curve.filter((r) => !r.lower_masked && !r.upper_masked && r.lower !== null);
  // the curve is for the outcome of this run: a later change of the outcome is flagged (outcomeEdited)
  ranOutcome = JSON.stringify(ran.outcome);
  const stale = h("p", { id: "survival-stale", class: "note stale", text: "The outcome changed: run the cohort again to draw its curve." });
  stale.hidden = true;
  card(`Survival without the outcome (${ran.label})`, "survival", stale, Plot.plot({
    width, height: 240, x: { label: "days after index" }, y: { label: "survival", domain: [0, 1], grid: true },
    marks: [Plot.areaY(band, { x: "time", y1: "lower", y2: "upper", fill: "#2f6690", fillOpacity: 0.2, curve: "step-after" }),
      Plot.line(curve, { x: "time", y: "survival", stroke: "#2f6690", curve: "step-after" })],
  }), table("Numbers at risk", ["days", "at risk", "survival"],
    res.km.atRisk.rows.map((r) => [String(r.time), cell(r.n_risk, Boolean(r.n_risk_masked)), cell(r.survival, Boolean(r.survival_masked), 3)]), "at-risk"), maskNote(res.km.curve));

  out.append(h("details", { class: "why", id: "why-hidden" }, h("summary", { text: "Why is this hidden?" }),
    h("p", { text: WHY_ATTRITION }),
    h("p", { text: `${WHY} This is the statistical secrecy rule of French health data (k = ${K}): a table that shows a small count can let someone recognise a person. Hidden cells are marked “< ${K}” with hatching, never dropped or shown as zero.` })));
  $("timing").textContent = `Cohort evaluated in ${res.evalMillis.toFixed(1)} ms; with its aggregates in ${res.millis.toFixed(0)} ms.`;
  $("timing").dataset.evalMs = res.evalMillis.toFixed(3);
  outcomeEdited();
}
/** A table of a chart's numbers, under the chart, folded. */
function numbers(summary: string, tbl: HTMLElement): HTMLElement {
  return h("details", { class: "numbers" }, h("summary", { text: summary }), tbl);
}
/** The outcome the survival card was drawn for (JSON), and the flag shown when it was changed since. */
let ranOutcome: string | null = null;
function outcomeEdited(): void {
  const note = document.getElementById("survival-stale");
  if (!note) return;
  const changed = JSON.stringify(outcome()) !== ranOutcome;
  note.hidden = !changed;
  note.closest("section")?.toggleAttribute("data-stale", changed);
}
function maskNote(a: Aggregate): HTMLElement {
  const n = a.rows.reduce((acc, r) => acc + Object.keys(r).filter((c) => c.endsWith("_masked") && r[c] === true).length, 0);
  return h("p", { class: "note" }, n === 0 ? "No cell hidden." : `${n} cell(s) hidden (fewer than ${K} persons, or could reveal one). `,
    ...(n > 0 ? [h("a", { href: "#why-hidden", text: "Why is this hidden?" })] : []));
}

// ---------- population and run ----------
function readPopulation(): { patients: number; seed: number; years: number } {
  return {
    patients: Number($<HTMLInputElement>("patients").value) || 50000,
    seed: Number($<HTMLInputElement>("seed").value) || 0,
    years: Number($<HTMLInputElement>("years").value) || 5,
  };
}
function status(text: string, error = false): void {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", error);
}

/** An error as the page shows it: the core's code, then its message. */
function describe(e: unknown): string {
  if (e instanceof EngineError) return `${e.message} [${e.code}]`;
  return String((e as Error)?.message ?? e);
}
function dataReady(d: Data, summary: Summary, what: string): void {
  data = d;
  status(`${what}: ${summary.patients.toLocaleString("en-GB")} patients, ${summary.events.toLocaleString("en-GB")} events (${summary.dataStart} to ${summary.dataEnd}).`);
  $<HTMLButtonElement>("run").disabled = false;
  document.body.dataset.generated = "true";
  document.body.dataset.source = d.kind;
  // the worker warms its engine up on the new data, then says so (api.ts onWarm)
  document.body.dataset.warm = "false";
  renderSnippet();
}

/**
 * A focused button that is disabled while it works loses the focus to the page: the returned
 * function gives it back, unless the user has moved the focus elsewhere in the meantime.
 */
function keepFocus(btn: HTMLButtonElement): () => void {
  const had = document.activeElement === btn;
  return () => {
    const now = document.activeElement;
    if (had && (now === null || now === document.body || now === btn)) btn.focus();
  };
}

async function generate(): Promise<void> {
  const p = readPopulation();
  const btn = $<HTMLButtonElement>("generate");
  const prog = $<HTMLProgressElement>("gen-progress");
  const refocus = keepFocus(btn);
  btn.disabled = true;
  prog.hidden = false;
  prog.removeAttribute("value");
  status(`Generating ${p.patients.toLocaleString("en-GB")} patients…`);
  try {
    const r = await engine.call("generate", p, {
      onProgress: (done, total) => {
        prog.max = total;
        prog.value = done;
        const pct = Math.floor((100 * done) / Math.max(total, 1));
        status(`Generating ${total.toLocaleString("en-GB")} patients… ${pct} %`);
        document.body.dataset.progress = String(pct);
      },
    });
    $("filters").replaceChildren();
    dataReady({ kind: "synthetic", ...p }, r.summary, `Generated in ${(r.millis / 1000).toFixed(2)} s`);
  } catch (e) {
    status(`Generation failed: ${describe(e)}`, true);
  } finally {
    prog.hidden = true;
    btn.disabled = false;
    refocus();
  }
}

async function readFiles(list: FileList | File[]): Promise<FileBytes[]> {
  return Promise.all([...list].map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

/** SNDS tables opened by the user, read by the core in the worker (nothing leaves the page). */
async function openFiles(list: FileList | File[]): Promise<void> {
  if (list.length === 0) return;
  const files = await readFiles(list);
  status(`Reading ${files.map((f) => f.name).join(", ")}…`);
  document.body.dataset.opened = "pending";
  try {
    const r = await engine.call("openFiles", { files }, { transfer: files.map((f) => f.bytes.buffer as ArrayBuffer) });
    const rows = r.summary.filters.map((f) => [f.table, f.filter, f.rowsRemoved.toLocaleString("en-GB")]);
    $("filters").replaceChildren(rows.length === 0
      ? h("p", { class: "note", text: "Quality filters: no row removed." })
      : table("Rows removed on load by the quality filters", ["table", "filter", "rows removed"], rows, "filter-table"));
    dataReady({ kind: "files", files: r.files }, r.summary, `Read ${r.files.length} file(s) in ${(r.millis / 1000).toFixed(2)} s`);
    document.body.dataset.opened = "ready";
  } catch (e) {
    status(`The files could not be read: ${describe(e)}`, true);
    $("status").dataset.code = e instanceof EngineError ? e.code : "unknown";
    document.body.dataset.opened = "error";
  }
}

// ---------- open-data files (Open Medic, Data pathologies) ----------
let openData: OpenDataFile | null = null;
function regionName(code: string): string {
  return info?.regions.find((r) => String(r.code) === String(Number(code)))?.name ?? "";
}
function deptName(code: string): string {
  return info?.departements.find((d) => d.code === code)?.name ?? "";
}
const WHY_SOURCE = "This file was published already protected: an empty cell is a count its producer masked (fewer than 10 patients). A sum that includes masked cells is shown as a lower bound (≥); a sum of masked cells only is “masked at source”, never zero.";
function sourceCell(g: { sum: number; masked: number; cells: number }, digits = 0): HTMLElement | string {
  const fmt = (v: number) => v.toLocaleString("en-GB", { maximumFractionDigits: digits });
  if (g.masked === g.cells) return h("span", { class: "masked source-masked", title: WHY_SOURCE, text: "masked at source" });
  if (g.masked > 0) return h("span", { class: "partial", title: `${g.masked} cell(s) masked at source: the sum is at least this` }, `≥ ${fmt(g.sum)}`);
  return fmt(g.sum);
}
function breakdownCard(b: Breakdown, measure: string, second?: string): HTMLElement {
  const shown = b.groups.filter((g) => g.masked < g.cells);
  const chart = Plot.plot({
    width: chartWidth($("opendata-results")) - 36, marginLeft: 150, height: 40 + 22 * Math.max(b.groups.length, 1), x: { label: measure, grid: true }, y: { label: null, domain: b.groups.map((g) => g.label) },
    marks: [Plot.barX(shown, { x: "sum", y: "label", fill: "#2f6690" }), Plot.ruleX([0]),
      Plot.text(b.groups.filter((g) => g.masked === g.cells), { x: 0, y: "label", text: () => "masked at source", dx: 4, textAnchor: "start", fill: "#555" })],
  });
  // the first column is named after the breakdown ("By age" → "age")
  const head = [b.title.replace(/^By /, "").replace(/ \(.*\)$/, ""), measure, ...(second ? [second, "share"] : [])];
  const rows = b.groups.map((g: Group) => [g.label, sourceCell(g),
    ...(second ? [sourceCell({ sum: g.sum2 ?? 0, masked: g.masked2 ?? 0, cells: g.cells }),
      g.masked === 0 && (g.masked2 ?? 0) === 0 && (g.sum2 ?? 0) > 0 ? `${((100 * g.sum) / (g.sum2 ?? 1)).toFixed(3)} %` : "—"] : [])]);
  return h("section", { class: "card od-card", "data-dim": b.dim }, h("h3", { text: b.title }), chartImage(chart, `${b.title}: chart`),
    table(b.title, head, rows, `od-table od-${b.dim}`), h("p", { class: "note", text: `Summed over ${b.rows}.` }));
}
const LAYOUT_NAME: Record<OpenDataFile["layout"], string> = {
  open_medic: "Open Medic", open_medic_consumers: "Open Medic consumer counts", open_phmev: "Open PHMEV",
  open_bio: "Open Bio", open_lpp: "Open LPP", open_damir: "Open DAMIR", data_pathologies: "Data pathologies",
};
function renderOpenData(topChoice?: string): void {
  const f = openData;
  const out = $("opendata-results");
  out.replaceChildren();
  if (!f) return;
  const maskedCells = (name: string) => (f.data[name] ?? []).filter((v) => v === null).length;
  if (f.notes.length) out.append(h("p", { class: "note od-notes", text: `Restored while reading: ${f.notes.join("; ")}.` }));
  if (f.layout === "open_medic") {
    const om = openMedic(f, regionName);
    out.append(h("p", { class: "od-summary" }, `Open Medic ${om.year}: ${f.rows.toLocaleString("en-GB")} rows, `,
      h("strong", {}, sourceCell(om.total)), " boxes dispensed in all. ",
      `${maskedCells("BOITES")} count(s) masked at source.`));
    out.append(h("div", { class: "results" }, ...om.breakdowns.map((b) => breakdownCard(b, "boxes"))));
  } else if (f.layout !== "data_pathologies") {
    out.append(h("p", { class: "od-summary" }, `${LAYOUT_NAME[f.layout]}: ${f.rows.toLocaleString("en-GB")} rows, columns ${f.columns.join(", ")}. `,
      "The charts cover Open Medic and Data pathologies files."));
  } else {
    const tops = pathologies(f);
    const top = topChoice ?? tops[0]?.top ?? "";
    const sel = select("Pathology", tops.map((t) => [t.top, `${t.label} (${t.top})`]), top, (v) => renderOpenData(v), "od-top");
    const dp = dataPathologies(f, top, regionName, deptName);
    out.append(sel, h("p", { class: "od-summary" }, `Data pathologies: ${f.rows.toLocaleString("en-GB")} rows, `,
      `${maskedCells("Ntop")} patient count(s) masked at source. Patients with the pathology (Ntop) among the population (Npop); strata other than the year for ${dp.year}.`));
    const dept = dp.breakdowns.find((b) => b.dim === "dept");
    const cards = dp.breakdowns.filter((b) => b.dim !== "dept").map((b) => breakdownCard(b, "patients", "population"));
    if (dept) {
      // as in the table: a sum over masked cells only is masked, a sum including some is a lower bound
      const byCode = new Map(dept.groups.map((g) => [g.key, { n: g.masked === g.cells ? null : g.sum, atLeast: g.masked > 0 }]));
      cards.push(h("section", { class: "card od-card", "data-dim": "dept-map" }, h("h3", { text: `Patients by département (${dp.year})` }),
        franceSvg(byCode, "patients", "masked at source", "not in the file"), breakdownCard(dept, "patients", "population")));
    }
    out.append(h("div", { class: "results" }, ...cards));
  }
  out.append(h("details", { class: "why-source" }, h("summary", { text: "Why are cells empty?" }), h("p", { text: WHY_SOURCE })));
}
async function openDataFile(list: FileList | File[]): Promise<void> {
  const f = list[0];
  if (!f) return;
  document.body.dataset.opendata = "pending";
  $("od-status").textContent = `Reading ${f.name}…`;
  $("od-status").classList.remove("error");
  try {
    // the worker reads the file by slices, telling how far it got
    openData = await engine.call("openData", { file: f }, {
      onProgress: (done, total) => {
        $("od-status").textContent = `Reading ${f.name}… ${Math.floor((100 * done) / Math.max(total, 1))} %`;
      },
    });
    renderOpenData();
    $("od-status").textContent = `${f.name}: ${LAYOUT_NAME[openData.layout]} file, ${openData.rows.toLocaleString("en-GB")} rows.`;
    document.body.dataset.opendata = "ready";
  } catch (e) {
    $("od-status").textContent = `${f.name} could not be read: ${describe(e)}`;
    $("od-status").classList.add("error");
    document.body.dataset.opendata = "error";
  }
}
/** Let a drop zone take files dropped on it. */
function dropZone(zone: HTMLElement, take: (files: File[]) => void): void {
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("dragging"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) take(files);
  });
}

async function run(): Promise<void> {
  if (!data) { status("Generate a population or open SNDS files first.", true); return; }
  const btn = $<HTMLButtonElement>("run");
  const refocus = keepFocus(btn);
  btn.disabled = true;
  $("problems").replaceChildren();
  status("Evaluating the cohort…");
  document.body.dataset.results = "pending";
  try {
    const ran = { outcome: outcome(), label: outcomeLabel() };
    const sent = JSON.stringify(def);
    const res = await engine.call("run", { definition: def, outcome: ran.outcome });
    ranDefinition = sent;
    renderResults(res, ran);
    definitionEdited();
    status("Cohort evaluated.");
    document.body.dataset.results = "ready";
  } catch (e) {
    const problems = e instanceof EngineError ? e.problems : [];
    status(problems.length ? `The definition was rejected: ${describe(e)}` : `The cohort could not be evaluated: ${describe(e)}`, true);
    $("problems").replaceChildren(...problems.map((p) => h("li", {}, h("code", { text: p.path }), ` ${p.message}`)));
    document.body.dataset.results = "error";
  } finally {
    btn.disabled = false;
    refocus();
  }
}

async function main(): Promise<void> {
  mountOutcome(formHost);
  renderForm();
  $("generate").addEventListener("click", () => void generate());
  $<HTMLInputElement>("snds-files").addEventListener("change", (e) => {
    const input = e.target as HTMLInputElement;
    if (input.files) void openFiles([...input.files]).finally(() => { input.value = ""; });
  });
  dropZone($("snds-drop"), (files) => void openFiles(files));
  $<HTMLInputElement>("od-file").addEventListener("change", (e) => {
    const input = e.target as HTMLInputElement;
    if (input.files) void openDataFile([...input.files]).finally(() => { input.value = ""; });
  });
  dropZone($("od-drop"), (files) => void openDataFile(files));
  engine.onWarm = () => { document.body.dataset.warm = "true"; };
  engine.onRestart = (cause) => {
    data = null;
    $<HTMLButtonElement>("run").disabled = true;
    document.body.dataset.generated = "false";
    document.body.dataset.restarts = String(engine.restarts);
    status(`The engine stopped (${cause.message} [${cause.code}]) and was restarted: generate a population or open the files again.`, true);
  };
  if (new URLSearchParams(location.search).has("test-hooks")) {
    (window as unknown as { cohorteTest: object }).cohorteTest = { crashWorker: () => engine.crashForTests() };
  }
  $("run").addEventListener("click", () => void run());
  for (const id of ["patients", "seed", "years"]) $(id).addEventListener("change", renderSnippet);
  $("export").addEventListener("click", () => {
    const blob = new Blob([JSON.stringify(def, null, 2) + "\n"], { type: "application/json" });
    const a = h("a", { href: URL.createObjectURL(blob), download: `${String(def.name ?? "cohort").replace(/[^\w-]+/g, "_")}.json` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
  $<HTMLInputElement>("import").addEventListener("change", async (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) loadDefinition(await f.text(), f.name);
  });
  // the "why is this hidden?" links open the explanation they point to
  $("results").addEventListener("click", (e) => {
    if ((e.target as HTMLElement).closest('a[href="#why-hidden"]')) document.getElementById("why-hidden")?.setAttribute("open", "");
  });
  $("new").addEventListener("click", () => { def = blankDefinition(); renderForm(); });
  $("load-example").addEventListener("click", () => {
    const ex = info?.examples.find((x) => x.name === $<HTMLSelectElement>("examples").value);
    if (ex) loadDefinition(ex.json, `example “${ex.name}”`);
  });
  status("Loading the engine…");
  info = await engine.call("init", {});
  $("version").textContent = info.version;
  $("examples").replaceChildren(...info.examples.map((x) => h("option", { value: x.name, text: x.name })));
  status("Ready: generate a population or open SNDS files.");
  document.body.dataset.ready = "true";
  // offline use across reloads: the build's service worker (vite.config.ts) caches its files
  if ("serviceWorker" in navigator && location.protocol.startsWith("http")) {
    navigator.serviceWorker.register("./sw.js").then(
      () => { document.body.dataset.offline = "registered"; },
      (e: unknown) => console.warn(`offline use across reloads is not available: ${(e as Error)?.message ?? e}`));
  }
}
main().catch((e: unknown) => status(`The engine could not start: ${String(e)}`, true));
