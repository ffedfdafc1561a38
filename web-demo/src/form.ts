// The cohort form: a definition edited in place (entry events, inclusion rules as nested
// ALL / ANY / AT LEAST n / AT MOST n groups of event, demographic and nested-cohort criteria,
// exit, censoring, era collapse, nested cohorts), code pickers over the referentials with the
// codes' labels, and the outcome of the survival curve. A definition keeps every field the form
// does not show; a node the form cannot represent is shown as its JSON, kept as written.
import type { CodeHit, Departement, Engine, Outcome, System } from "./api";
import "./form.css";

// Definitions are JSON documents edited in place.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface FormHost {
  engine: Engine;
  /** Called after every edit of the definition or of the outcome (the snippet and JSON follow). */
  changed: () => void;
  departements: () => Departement[];
  regions: () => { code: number; name: string }[];
}

let host: FormHost;
let root: HTMLElement;
let top: Json;
let uid = 0;

// ---------- DOM helpers ----------
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string | undefined> = {}, ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [a, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    if (a === "text") el.textContent = v;
    else el.setAttribute(a, v);
  }
  el.append(...children);
  return el;
}
interface Opts { key: string; cls?: string }
function labelled(label: string, control: HTMLElement, id: string): HTMLElement {
  return h("div", { class: "field" }, h("label", { for: id, text: label }), control);
}
function select(label: string, options: [string, string][], value: string, onChange: (v: string) => void, o: Opts): HTMLElement {
  const id = `f-sel-${++uid}`;
  const s = h("select", { id, class: o.cls, "data-key": o.key });
  for (const [v, t] of options) { const opt = h("option", { value: v, text: t }); if (v === value) opt.selected = true; s.append(opt); }
  s.addEventListener("change", () => onChange(s.value));
  return labelled(label, s, id);
}
function numberField(label: string, value: unknown, onChange: (v: number | undefined) => void, o: Opts & { min?: number }): HTMLElement {
  const id = `f-num-${++uid}`;
  const i = h("input", {
    id, type: "number", step: "1", class: o.cls, "data-key": o.key, min: o.min === undefined ? undefined : String(o.min),
    value: typeof value === "number" ? String(value) : "",
  });
  i.addEventListener("change", () => onChange(i.value === "" ? undefined : Math.trunc(Number(i.value))));
  return labelled(label, i, id);
}
function textField(label: string, value: string, onChange: (v: string) => void, o: Opts & { type?: string; placeholder?: string }): HTMLElement {
  const id = `f-txt-${++uid}`;
  const i = h("input", { id, type: o.type ?? "text", class: o.cls, "data-key": o.key, value, placeholder: o.placeholder });
  i.addEventListener("change", () => onChange(i.value));
  return labelled(label, i, id);
}
function checkbox(label: string, checked: boolean, onChange: (v: boolean) => void, o: Opts): HTMLElement {
  const id = `f-chk-${++uid}`;
  const i = h("input", { id, type: "checkbox", class: o.cls, "data-key": o.key });
  i.checked = checked;
  i.addEventListener("change", () => onChange(i.checked));
  return h("div", { class: "check" }, i, h("label", { for: id, text: label }));
}
function button(text: string, onClick: () => void, o: Opts & { label?: string }): HTMLButtonElement {
  const b = h("button", { type: "button", class: o.cls, "data-key": o.key, "aria-label": o.label, text });
  b.addEventListener("click", onClick);
  return b;
}
const row = (...children: Node[]) => h("div", { class: "row" }, ...children);

/** Draw the form again, then focus `focusKey` (or the control that had the focus). */
function redraw(focusKey?: string): void {
  const active = document.activeElement as HTMLElement | null;
  const key = focusKey ?? (active && root.contains(active) ? active.getAttribute("data-key") : null);
  root.replaceChildren(...definitionBody(top, "", true));
  host.changed();
  if (key) (root.querySelector(`[data-key="${CSS.escape(key)}"]`) as HTMLElement | null)?.focus();
}
const edited = () => host.changed();

/** Render `def` into `form`; every later edit changes `def` in place. */
export function renderForm(form: HTMLElement, def: Json, formHost: FormHost): void {
  host = formHost;
  root = form;
  top = def;
  redraw();
}

// ---------- codes, systems and labels ----------
export const EVENTS = ["dispensing", "diagnosis", "stay", "act", "ald", "death"] as const;
type Event = (typeof EVENTS)[number];
const EVENT_TEXT: Record<string, string> = {
  dispensing: "drug dispensing", diagnosis: "diagnosis", stay: "hospital stay (main diagnosis)", act: "medical act (CCAM)",
  ald: "long-term illness (ALD)", death: "death",
};
/** The system a new concept set of an event type gets, and the ones it accepts. */
const SYSTEM_OF_EVENT: Record<string, string> = { dispensing: "ATC", diagnosis: "ICD10", stay: "ICD10", act: "CCAM", ald: "ICD10" };
const SYSTEMS_OF_EVENT: Record<string, string[]> = { dispensing: ["ATC", "CIP13"], diagnosis: ["ICD10"], stay: ["ICD10"], act: ["CCAM"], ald: ["ICD10"], death: [] };
/** A code system's canonical name from any spelling the core reads (`icd-10`, `CIM10`, `cip`). */
export function canonSystem(s: unknown): string {
  const n = String(s ?? "").toUpperCase().replace(/[^A-Z0-9]/g, "");
  if (n === "CIP" || n === "CIP13") return "CIP13";
  if (["ICD10", "CIM10", "ICD", "CIM"].includes(n)) return "ICD10";
  return n;
}
const normCode = (c: string) => c.toUpperCase().replace(/[^A-Z0-9]/g, "");
const accepts = (event: string, system: unknown) => (SYSTEMS_OF_EVENT[event] ?? []).includes(canonSystem(system));

const labels = new Map<string, string>();
const pending = new Map<string, Promise<string>>();
/** Codes waiting for their label, by system: looked up together, in one request per system. */
const queued = new Map<string, Map<string, (label: string) => void>>();
function remember(system: string, hit: CodeHit): void {
  labels.set(`${canonSystem(system)}:${hit.code}`, hit.label);
}
/** Cached label of a code, `""` when known to have none, `undefined` when not looked up yet. */
function cachedLabel(system: string, code: string): string | undefined {
  return labels.get(`${canonSystem(system)}:${normCode(code)}`);
}
/** Ask the worker for the labels of the queued codes, one request per system. */
function lookUpQueued(): void {
  const batches = [...queued.entries()];
  queued.clear();
  for (const [system, waiting] of batches) {
    const settle = (found: Map<string, string>) => {
      for (const [code, resolve] of waiting) {
        const label = found.get(code) ?? "";
        labels.set(`${system}:${code}`, label);
        resolve(label);
      }
    };
    host.engine.call("labels", { system, codes: [...waiting.keys()] }).then(
      (res) => settle(new Map(res.map((r) => [r.code, r.label ?? (r.under ? `codes under ${r.code}` : "")]))),
      () => settle(new Map()));
  }
}
/**
 * The label of a code, looked up once in the core's referential (the codes asked for together
 * go in one request); a prefix that is not itself in the referential reads as the codes under it.
 */
function codeLabel(system: string, code: string): Promise<string> {
  const sys = canonSystem(system);
  const c = normCode(code);
  const k = `${sys}:${c}`;
  const known = labels.get(k);
  if (known !== undefined) return Promise.resolve(known);
  let p = pending.get(k);
  if (!p) {
    p = new Promise<string>((resolve) => {
      if (queued.size === 0) queueMicrotask(lookUpQueued);
      let waiting = queued.get(sys);
      if (!waiting) { waiting = new Map(); queued.set(sys, waiting); }
      waiting.set(c, resolve);
    }).finally(() => pending.delete(k));
    pending.set(k, p);
  }
  return p;
}
/** A span showing the label of a code, filled in when the label arrives. */
function labelSpan(system: string, code: string): HTMLElement {
  const span = h("span", { class: "chip-label" });
  const set = (l: string) => {
    span.textContent = l || "not in the referential";
    span.classList.toggle("unknown", !l);
  };
  const known = cachedLabel(system, code);
  if (known !== undefined) set(known);
  else void codeLabel(system, code).then(set);
  return span;
}

// ---------- search combobox with a listbox (WAI-ARIA combobox pattern) ----------
interface Hit { code: string; label: string }
/**
 * A search field with its list of results. Outside the list, a polite live region says how many
 * results there are, or that the search found nothing ("no code found for “xyz”"); `noun` is
 * what is searched, singular and plural.
 */
function picker(label: string, search: (q: string) => Promise<Hit[]>, onPick: (hit: Hit) => void,
  o: Opts & { id?: string; placeholder?: string; minChars?: number; noun?: [string, string] }): HTMLElement {
  const id = o.id ?? `f-pick-${++uid}`;
  const input = h("input", {
    id, type: "text", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false", "data-key": o.key,
    "aria-controls": `${id}-list`, autocomplete: "off", placeholder: o.placeholder ?? "metformine, A10B, infarctus…", class: "code-search",
  });
  const list = h("ul", { id: `${id}-list`, role: "listbox", class: "listbox", "aria-label": `${label}: results` });
  list.hidden = true;
  const [one, many] = o.noun ?? ["code", "codes"];
  const found = h("p", { id: `${id}-status`, role: "status", class: "search-status" });
  const say = (text: string, none = false) => { found.textContent = text; found.classList.toggle("none", none); };
  let hits: Hit[] = [];
  let active = -1;
  let seq = 0;
  const hide = () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; };
  const close = () => { hide(); say(""); };
  const highlight = (i: number) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
    if (i >= 0) { input.setAttribute("aria-activedescendant", `${id}-opt-${i}`); list.children[i]?.scrollIntoView({ block: "nearest" }); }
  };
  const pick = (i: number) => { const hit = hits[i]; if (!hit) return; input.value = ""; close(); onPick(hit); };
  input.addEventListener("input", async () => {
    const q = input.value.trim();
    const mine = ++seq;
    if (q.length < (o.minChars ?? 2)) { close(); return; }
    const res = await search(q);
    if (mine !== seq) return;
    hits = res;
    if (res.length === 0) {
      list.replaceChildren();
      hide();
      say(`no ${one} found for “${q}”`, true);
      return;
    }
    say(`${res.length} ${res.length === 1 ? one : many} found for “${q}”`);
    list.replaceChildren(...res.map((hit, i) => {
      const li = h("li", { id: `${id}-opt-${i}`, role: "option", "aria-selected": "false", "data-code": hit.code },
        h("code", { text: hit.code }), " ", hit.label);
      li.addEventListener("mousedown", (e) => { e.preventDefault(); pick(i); });
      return li;
    }));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(-1);
  });
  input.addEventListener("keydown", (e) => {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, hits.length - 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
    else if (e.key === "Enter") { e.preventDefault(); pick(active >= 0 ? active : 0); }
    else if (e.key === "Escape") close();
  });
  input.addEventListener("blur", close);
  return h("div", { class: "picker" }, h("label", { for: id, text: label }), input, list, found);
}
const codeSearch = (system: string) => async (q: string): Promise<Hit[]> => {
  const hits = await host.engine.call("search", { system: canonSystem(system) as System, query: q, limit: 12 });
  for (const hit of hits) remember(system, hit);
  return hits;
};

/** Chips of `items`, each with its label and a remove button. */
function chips(what: string, items: string[], label: (item: string) => HTMLElement | string, onRemove: (item: string) => void, key: string): HTMLElement {
  const ul = h("ul", { class: "chips", "aria-label": what });
  for (const item of items) {
    const lab = label(item);
    const rm = button("×", () => onRemove(item), { key: `${key}:x:${item}`, cls: "chip-x", label: `remove ${item}` });
    ul.append(h("li", { class: "chip", "data-code": item }, h("code", { text: item }), " ", lab, rm));
  }
  if (items.length === 0) ul.append(h("li", { class: "hint", text: "none yet" }));
  return ul;
}

// ---------- concept sets ----------
function findSet(d: Json, name: unknown): Json | undefined {
  return (d.concept_sets ?? []).find((c: Json) => c?.name === name);
}
function freshSetName(d: Json, base: string): string {
  const names = new Set((d.concept_sets ?? []).map((c: Json) => c?.name));
  let n = base;
  for (let i = 2; names.has(n); i++) n = `${base} ${i}`;
  return n;
}
function newSet(d: Json, event: string, base = "codes"): string {
  const name = freshSetName(d, base);
  d.concept_sets ??= [];
  d.concept_sets.push({ name, system: SYSTEM_OF_EVENT[event] ?? "ATC", codes: [] });
  return name;
}
/** Every concept set name a criterion (and its sub-criteria) refers to. */
function setsIn(node: Json, out: string[] = []): string[] {
  if (!node || typeof node !== "object") return out;
  if (Array.isArray(node)) { node.forEach((n) => setsIn(n, out)); return out; }
  if (typeof node.concept_set === "string") out.push(node.concept_set);
  for (const k of ["all", "any", "of"]) if (Array.isArray(node[k])) setsIn(node[k], out);
  return out;
}
function references(d: Json, name: string): number {
  const all = [...setsIn(d.entry?.events ?? []), ...setsIn(d.inclusion ?? []), ...setsIn(d.censoring ?? [])];
  if (d.exit?.concept_set === name) all.push(name);
  return all.filter((n) => n === name).length;
}
/** Drop the concept sets among `names` that nothing refers to any more (an empty one is an error). */
function prune(d: Json, names: string[]): void {
  for (const n of new Set(names)) {
    if (references(d, n) === 0 && Array.isArray(d.concept_sets)) d.concept_sets = d.concept_sets.filter((c: Json) => c?.name !== n);
  }
}

/**
 * The concept set of an event filter (`f.event`, `f.concept_set`): a choice of the definition's
 * sets of a system the event accepts (or none: any event of the type, or a new set), its codes
 * as chips with labels, and a code search adding to it.
 */
function conceptSetEditor(d: Json, f: Json, key: string, o: { pickerId?: string } = {}): { choice?: HTMLElement; rest: HTMLElement[] } {
  if (f.event === "death") return { rest: [] };
  const out: HTMLElement[] = [];
  const sets: Json[] = (d.concept_sets ?? []).filter((c: Json) => accepts(f.event, c?.system) || c?.name === f.concept_set);
  const options: [string, string][] = [["", `any ${EVENT_TEXT[f.event] ?? f.event} (no code)`],
    ...sets.map((c: Json): [string, string] => [String(c.name), `${c.name} (${canonSystem(c.system)})`]), ["\u0000new", "a new concept set…"]];
  const current = typeof f.concept_set === "string" ? f.concept_set : "";
  if (current && !findSet(d, current)) options.splice(1, 0, [current, `${current} (not defined)`]);
  const choice = select("Concept set", options, current, (v) => {
    const old = f.concept_set;
    if (v === "") delete f.concept_set;
    else f.concept_set = v === "\u0000new" ? newSet(d, f.event) : v;
    if (typeof old === "string") prune(d, [old]);
    redraw(`${key}:set`);
  }, { key: `${key}:set`, cls: "set-choice" });
  const cs = current ? findSet(d, current) : undefined;
  if (!cs) {
    if (current) out.push(h("p", { class: "hint", text: `The concept set “${current}” is not defined in this definition.` }));
    return { choice, rest: out };
  }
  cs.codes ??= [];
  const system = canonSystem(cs.system);
  const shared = references(d, cs.name) > 1 ? " Shared with another part of the definition: a change applies to both." : "";
  out.push(h("p", { class: "hint", text: `Concept set “${cs.name}” (${system}): each code with its descendants.${shared}` }));
  out.push(chips(`codes of ${cs.name}`, cs.codes, (c) => labelSpan(system, c), (c) => {
    cs.codes = cs.codes.filter((x: string) => x !== c);
    redraw(`${key}:search`);
  }, `${key}:codes`));
  if (Array.isArray(cs.exclude) && cs.exclude.length > 0) {
    out.push(h("p", { class: "hint", text: "Except (with their descendants):" }), chips(`codes left out of ${cs.name}`, cs.exclude, (c) => labelSpan(system, c), (c) => {
      cs.exclude = cs.exclude.filter((x: string) => x !== c);
      if (cs.exclude.length === 0) delete cs.exclude;
      redraw(`${key}:search`);
    }, `${key}:exclude`));
  }
  out.push(picker(`Add a ${system} code`, codeSearch(system), (hit) => {
    // a set the form named and nobody else uses takes the name of its first code
    if (cs.codes.length === 0 && AUTO_NAME.test(cs.name) && references(d, cs.name) === 1 && hit.label) renameSet(d, cs, hit.label);
    if (!cs.codes.includes(hit.code)) cs.codes.push(hit.code);
    redraw(`${key}:search`);
  }, { key: `${key}:search`, id: o.pickerId }));
  return { choice, rest: out };
}
/** Names the form gives to the concept sets it creates. */
const AUTO_NAME = /^(entry|criterion|codes|exposure)( \d+)?$/;
/** Rename a concept set, and every reference to it (a rule named after it follows). */
function renameSet(d: Json, cs: Json, base: string): void {
  const from = cs.name;
  const to = freshSetName(d, base);
  cs.name = to;
  const walk = (n: Json) => {
    if (!n || typeof n !== "object") return;
    if (Array.isArray(n)) { n.forEach(walk); return; }
    if (n.concept_set === from) n.concept_set = to;
    if (n.name === `has ${from}`) n.name = `has ${to}`;
    for (const k of ["all", "any", "of"]) walk(n[k]);
  };
  walk(d.entry?.events);
  walk(d.inclusion);
  walk(d.censoring);
  if (d.exit?.concept_set === from) d.exit.concept_set = to;
}

const ROLES = ["DP", "DR", "DAS", "ALD"] as const;
const ROLE_TEXT: Record<string, string> = { DP: "main (DP)", DR: "related (DR)", DAS: "associated (DAS)", ALD: "ALD motive" };
function rolesEditor(f: Json, key: string): HTMLElement[] {
  if (f.event !== "diagnosis") return [];
  const have = new Set((f.roles ?? []).map((r: string) => String(r).trim().toUpperCase()));
  const box = h("div", { class: "roles row", role: "group", "aria-label": "diagnosis roles (none ticked: any role)" },
    h("span", { class: "hint", text: "Roles (none: any):" }));
  for (const r of ROLES) {
    box.append(checkbox(ROLE_TEXT[r], have.has(r), (on) => {
      if (on) have.add(r); else have.delete(r);
      const roles = ROLES.filter((x) => have.has(x));
      if (roles.length) f.roles = roles; else delete f.roles;
      edited();
    }, { key: `${key}:role-${r}` }));
  }
  return [box];
}
/** The event type of a filter; switching keeps the concept set when the new type accepts it. */
function eventKind(d: Json, f: Json, key: string, label: string, cls?: string, kinds: readonly string[] = EVENTS): HTMLElement {
  return select(label, kinds.map((e) => [e, EVENT_TEXT[e] ?? e]), String(f.event), (v) => {
    const was = f.event;
    f.event = v;
    if (v !== "diagnosis") delete f.roles;
    const old = typeof f.concept_set === "string" ? f.concept_set : undefined;
    const cs = old ? findSet(d, old) : undefined;
    if (v === "death") delete f.concept_set;
    else if (was === "death") f.concept_set = newSet(d, v);
    else if (cs && !accepts(v, cs.system)) {
      if (references(d, old as string) === 1) { cs.system = SYSTEM_OF_EVENT[v]; cs.codes = []; delete cs.exclude; }
      else f.concept_set = newSet(d, v);
    }
    if (old && f.concept_set !== old) prune(d, [old]);
    redraw(`${key}:kind`);
  }, { key: `${key}:kind`, cls });
}

/** Entry, exit, censoring and the other parts that are event filters. */
function filterEditor(d: Json, f: Json, key: string, o: { pickerId?: string; kindCls?: string } = {}): HTMLElement[] {
  const cs = conceptSetEditor(d, f, key, o);
  return [row(eventKind(d, f, key, "Event kind", o.kindCls), ...(cs.choice ? [cs.choice] : [])), ...cs.rest, ...rolesEditor(f, key)];
}

// ---------- criteria ----------
const FORMS = ["all", "any", "at_least", "at_most", "demographics", "event", "in_cohort"] as const;
type Form = (typeof FORMS)[number];
const GROUPS: Form[] = ["all", "any", "at_least", "at_most"];
const CRITERION_KEYS = [...FORMS, "of", "concept_set", "roles", "window", "relative_to", "count", "distinct_dates"];
const FORM_TEXT: Record<Form, string> = {
  event: "events in a window", demographics: "age, sex or place at index", in_cohort: "entries of a nested cohort",
  all: "group: ALL of", any: "group: ANY of", at_least: "group: AT LEAST n of", at_most: "group: AT MOST n of",
};
const GROUP_TEXT: Record<string, string> = { all: "ALL of", any: "ANY of", at_least: "AT LEAST", at_most: "AT MOST" };
function formOf(c: Json): Form | null {
  if (!c || typeof c !== "object" || Array.isArray(c)) return null;
  const present = FORMS.filter((f) => f in c);
  if (present.length !== 1) return null;
  const f = present[0];
  if (f === "all" || f === "any") return Array.isArray(c[f]) ? f : null;
  if (f === "at_least" || f === "at_most") return Array.isArray(c.of) ? f : null;
  if (f === "demographics") return c.demographics && typeof c.demographics === "object" && !Array.isArray(c.demographics) ? f : null;
  return f;
}
const childrenOf = (c: Json): Json[] => c.all ?? c.any ?? c.of;

function newEvent(d: Json): Json {
  const name = newSet(d, "dispensing", "criterion");
  return { event: "dispensing", concept_set: name, window: { start: -365, end: -1 }, count: { at_least: 1 } };
}
function newNestedCohort(d: Json): string {
  d.cohorts ??= [];
  const names = new Set(d.cohorts.map((c: Json) => c?.name));
  let name = "nested cohort";
  for (let i = 2; names.has(name); i++) name = `nested cohort ${i}`;
  d.cohorts.push({
    version: 2, name, concept_sets: [{ name: "entry", system: "ICD10", codes: [] }],
    entry: { events: [{ event: "stay", concept_set: "entry" }], occurrence: "all" },
  });
  return name;
}
/** Fresh fields of a criterion of form `f` (a group starts with `keep` as its first member). */
function fieldsOf(d: Json, f: Form, keep?: Json): Json {
  const members = keep ? [keep] : [];
  switch (f) {
    case "all": return { all: members };
    case "any": return { any: members };
    case "at_least": return { at_least: 1, of: members };
    case "at_most": return { at_most: 0, of: members };
    case "demographics": return { demographics: { age: { min: 18 } } };
    case "in_cohort": return { in_cohort: (d.cohorts ?? [])[0]?.name ?? newNestedCohort(d), window: { start: -365, end: -1 } };
    default: return newEvent(d);
  }
}
/** Change the form of criterion `c` (a rule keeps its name and description). */
function switchForm(d: Json, c: Json, to: Form): void {
  const from = formOf(c);
  const criterion: Json = {};
  for (const k of CRITERION_KEYS) if (k in c) { criterion[k] = c[k]; delete c[k]; }
  let next: Json;
  if (from && GROUPS.includes(from) && GROUPS.includes(to)) {
    next = fieldsOf(d, to);
    const members = childrenOf(criterion);
    if (to === "all" || to === "any") next[to] = members; else next.of = members;
    if (to === "at_least") next.at_least = Math.min(criterion.at_least ?? criterion.at_most ?? 1, members.length) || 1;
  } else if (from && !GROUPS.includes(from) && GROUPS.includes(to)) {
    next = fieldsOf(d, to, criterion); // the criterion becomes the group's first member
  } else {
    next = fieldsOf(d, to);
  }
  Object.assign(c, next);
  prune(d, setsIn(criterion));
}

function windowEditor(c: Json, key: string): HTMLElement {
  const w = c.window && typeof c.window === "object" ? c.window : {};
  const bound = (k: "start" | "end") => (v: number | undefined) => {
    c.window = c.window && typeof c.window === "object" ? c.window : {};
    if (v === undefined) delete c.window[k]; else c.window[k] = v;
    if (Object.keys(c.window).length === 0) delete c.window;
    edited();
  };
  return row(
    numberField("Window start (days)", w.start, bound("start"), { key: `${key}:wstart`, cls: "win-start" }),
    numberField("Window end (days)", w.end, bound("end"), { key: `${key}:wend`, cls: "win-end" }),
    select("Counted from", [["index_start", "index start"], ["index_end", "index end (discharge)"]], c.relative_to ?? "index_start", (v) => {
      if (v === "index_start") delete c.relative_to; else c.relative_to = v;
      edited();
    }, { key: `${key}:anchor` }),
    h("p", { class: "hint", text: "Days relative to the index, both inclusive; empty: unbounded." }));
}
function countEditor(c: Json, key: string, extra: HTMLElement[] = []): HTMLElement {
  const n = c.count && typeof c.count === "object" ? c.count : { at_least: 1 };
  const op = n.exactly !== undefined && n.exactly !== null ? "exactly"
    : n.at_least != null && n.at_most != null ? "between" : n.at_most != null ? "at_most" : "at_least";
  const first = op === "exactly" ? n.exactly : op === "at_most" ? n.at_most : n.at_least;
  const parts: HTMLElement[] = [
    select("Count", [["at_least", "at least"], ["at_most", "at most"], ["exactly", "exactly"], ["between", "between"]], op, (v) => {
      const k = first ?? 1;
      c.count = v === "between" ? { at_least: k, at_most: Math.max(k, n.at_most ?? k) } : { [v]: k };
      redraw(`${key}:count-op`);
    }, { key: `${key}:count-op`, cls: "count-op" }),
    numberField(op === "between" ? "From" : "N", first, (v) => {
      c.count = { ...n };
      c.count[op === "between" ? "at_least" : op] = v ?? 0;
      edited();
    }, { key: `${key}:count-n`, cls: "count-n", min: 0 }),
  ];
  if (op === "between") parts.push(numberField("To", n.at_most, (v) => { c.count = { ...n, at_most: v ?? 0 }; edited(); }, { key: `${key}:count-max`, min: 0 }));
  return row(...parts, ...extra);
}

function eventBody(d: Json, c: Json, key: string, head: HTMLElement): HTMLElement[] {
  const cs = conceptSetEditor(d, c, key);
  return [
    row(head, eventKind(d, c, key, "Event kind", "event-kind"), ...(cs.choice ? [cs.choice] : [])),
    ...cs.rest,
    ...rolesEditor(c, key),
    windowEditor(c, key),
    countEditor(c, key, [checkbox("count distinct dates", c.distinct_dates === true, (on) => {
      if (on) c.distinct_dates = true; else delete c.distinct_dates;
      edited();
    }, { key: `${key}:distinct` })]),
  ];
}

function demographicsBody(c: Json, key: string): HTMLElement[] {
  const dm = c.demographics;
  const out: HTMLElement[] = [];
  const drop = (k: string, what: string) => button("×", () => { delete dm[k]; redraw(`${key}:add-${k}`); }, { key: `${key}:rm-${k}`, cls: "chip-x cond-x", label: `remove the ${what} condition` });
  if (dm.age && typeof dm.age === "object") {
    const age = dm.age;
    const nameField = (): HTMLInputElement | null => root.querySelector(`[data-key="${CSS.escape(`${key}:name`)}"]`);
    out.push(h("div", { class: "row cond" },
      numberField("Age at least", age.min, (v) => {
        if (v === undefined) delete age.min; else age.min = v;
        // a name the form wrote follows the value; a name the user wrote is kept
        if ("name" in c && /^aged \d+ or more$/.test(c.name ?? "") && v !== undefined) {
          c.name = `aged ${v} or more`;
          const f = nameField();
          if (f) f.value = c.name;
        }
        edited();
      }, { key: `${key}:age-min`, cls: "age-min", min: 0 }),
      numberField("Age at most", age.max, (v) => { if (v === undefined) delete age.max; else age.max = v; edited(); }, { key: `${key}:age-max`, cls: "age-max", min: 0 }),
      drop("age", "age")));
  }
  if (typeof dm.sex === "string") {
    const sex = dm.sex.trim().toLowerCase();
    out.push(h("div", { class: "row cond" }, select("Sex", [["female", "female"], ["male", "male"]], sex, (v) => { dm.sex = v; edited(); }, { key: `${key}:sex`, cls: "sex" }), drop("sex", "sex")));
  }
  if (Array.isArray(dm.departements)) {
    const depts = host.departements();
    const name = (code: string) => depts.find((x) => x.code === code)?.name ?? "unknown département";
    out.push(h("div", { class: "cond" },
      h("div", { class: "row" }, h("span", { class: "hint", text: "Lives in one of the départements:" }), drop("departements", "départements")),
      chips("départements", dm.departements.map(String), (code) => h("span", { class: "chip-label", text: name(code) }), (code) => {
        dm.departements = dm.departements.filter((x: unknown) => String(x) !== code);
        redraw(`${key}:dept-search`);
      }, `${key}:depts`),
      picker("Add a département", async (q) => {
        const f = fold(q);
        return depts.filter((x) => x.code.toLowerCase().startsWith(f) || fold(x.name).includes(f)).slice(0, 12).map((x) => ({ code: x.code, label: x.name }));
      }, (hit) => {
        if (!dm.departements.includes(hit.code)) dm.departements.push(hit.code);
        redraw(`${key}:dept-search`);
      }, { key: `${key}:dept-search`, placeholder: "75, Gironde…", minChars: 1, noun: ["département", "départements"] })));
  }
  if (Array.isArray(dm.regions)) {
    const regions = host.regions();
    const name = (code: string) => regions.find((x) => String(x.code) === code)?.name ?? "unknown region";
    out.push(h("div", { class: "cond" },
      h("div", { class: "row" }, h("span", { class: "hint", text: "Lives in one of the regions:" }), drop("regions", "regions")),
      chips("regions", dm.regions.map(String), (code) => h("span", { class: "chip-label", text: name(code) }), (code) => {
        dm.regions = dm.regions.filter((x: unknown) => String(x) !== code);
        redraw(`${key}:region-search`);
      }, `${key}:regions`),
      picker("Add a region", async (q) => {
        const f = fold(q);
        return regions.filter((x) => String(x.code).startsWith(f) || fold(x.name).includes(f)).slice(0, 12).map((x) => ({ code: String(x.code), label: x.name }));
      }, (hit) => {
        if (!dm.regions.map(String).includes(hit.code)) dm.regions.push(Number(hit.code));
        redraw(`${key}:region-search`);
      }, { key: `${key}:region-search`, placeholder: "84, Bretagne…", minChars: 1, noun: ["region", "regions"] })));
  }
  const adds: HTMLElement[] = [];
  const add = (k: string, text: string, value: () => unknown, focus: string) => {
    if (k in dm && dm[k] !== null) return;
    adds.push(button(text, () => { dm[k] = value(); redraw(`${key}:${focus}`); }, { key: `${key}:add-${k}`, cls: `add-${k}` }));
  };
  add("age", "+ age", () => ({ min: 18 }), "age-min");
  add("sex", "+ sex", () => "female", "sex");
  add("departements", "+ départements", () => [], "dept-search");
  add("regions", "+ regions", () => [], "region-search");
  if (adds.length) out.push(row(...adds));
  return out;
}
function fold(s: string): string {
  return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
}

function inCohortBody(d: Json, c: Json, key: string, head: HTMLElement): HTMLElement[] {
  const names: string[] = (d.cohorts ?? []).map((x: Json) => String(x?.name ?? ""));
  const options: [string, string][] = names.map((n) => [n, n]);
  if (!names.includes(c.in_cohort)) options.unshift([String(c.in_cohort), `${c.in_cohort} (not defined)`]);
  options.push(["\u0000new", "a new nested cohort…"]);
  return [
    row(head, select("Nested cohort", options, String(c.in_cohort), (v) => {
      c.in_cohort = v === "\u0000new" ? newNestedCohort(d) : v;
      redraw(`${key}:cohort`);
    }, { key: `${key}:cohort`, cls: "in-cohort" }), h("p", { class: "hint", text: "Its entries overlapping the window are counted; it is defined under “Nested cohorts” below." })),
    windowEditor(c, key),
    countEditor(c, key),
  ];
}

/** The body of a criterion of any form: the form's choice, then its fields or its members. */
function criterionBody(d: Json, c: Json, key: string, label: string): HTMLElement[] {
  const form = formOf(c);
  if (!form) {
    return [h("pre", { class: "raw", text: JSON.stringify(c, null, 1) }),
      h("p", { class: "hint", text: "Kept as written: not a single criterion form (edit it in the JSON file)." })];
  }
  const head = select("Criterion", FORMS.map((f) => [f, FORM_TEXT[f]]), form, (v) => {
    switchForm(d, c, v as Form);
    redraw(`${key}:form`);
  }, { key: `${key}:form`, cls: "criterion-form" });
  if (form === "event") return eventBody(d, c, key, head);
  if (form === "demographics") return [row(head), ...demographicsBody(c, key)];
  if (form === "in_cohort") return inCohortBody(d, c, key, head);
  return [row(head), groupBody(d, c, form, key, label)];
}

function groupBody(d: Json, c: Json, form: Form, key: string, label: string): HTMLElement {
  const members: Json[] = childrenOf(c);
  const box = h("div", { class: `group group-${form}`, role: "group", "aria-label": `${label}: ${GROUP_TEXT[form]} ${form === "at_least" || form === "at_most" ? `${c[form]} of ` : ""}${members.length} criteria` });
  if (form === "at_least" || form === "at_most") {
    box.append(row(numberField(form === "at_least" ? "At least how many hold" : "At most how many hold", c[form], (v) => { c[form] = v ?? 0; edited(); }, { key: `${key}:n`, cls: "group-n", min: 0 }),
      h("span", { class: "hint", text: `of the ${members.length} criteria below` })));
  }
  members.forEach((m, j) => {
    const mk = `${key}.${j}`;
    const ml = `${label}, criterion ${j + 1}`;
    const rm = button("Remove", () => {
      members.splice(j, 1);
      prune(d, setsIn(m));
      redraw(members.length > j ? `${key}.${j}:form` : members.length ? `${key}.${members.length - 1}:form` : `${key}:add-event`);
    }, { key: `${mk}:remove`, cls: "remove-criterion", label: `remove ${ml}` });
    const item = h("div", { class: "criterion", role: "group", "aria-label": ml },
      h("div", { class: "row crit-head" }, h("span", { class: "crit-title", text: `${j === 0 ? "" : `${GROUP_TEXT[form] === "ALL of" ? "and" : "or"} · `}criterion ${j + 1}` }), rm),
      ...criterionBody(d, m, mk, ml));
    box.append(item);
  });
  if (members.length === 0) box.append(h("p", { class: "hint", text: "No criterion yet: add one." }));
  const add = (text: string, make: () => Json, what: string, cls: string) => button(text, () => {
    members.push(make());
    redraw(`${key}.${members.length - 1}:${what}`);
  }, { key: `${key}:add-${cls}`, cls: `add-${cls}`, label: `${text.replace(/^\+ /, "add ")} to ${label}` });
  box.append(row(
    add("+ event criterion", () => newEvent(d), "kind", "event"),
    add("+ age / sex / place", () => fieldsOf(d, "demographics"), "form", "demographics"),
    add("+ subgroup", () => ({ any: [] }), "form", "subgroup"),
  ));
  return box;
}

function ruleEditor(d: Json, rule: Json, i: number, prefix: string): HTMLElement {
  const key = `${prefix}r${i}`;
  const label = `${prefix ? `${nestedLabel(prefix)}, ` : ""}rule ${i + 1}`;
  const box = h("div", { class: "rule", role: "group", "aria-label": label });
  const rm = button("Remove", () => {
    d.inclusion.splice(i, 1);
    prune(d, setsIn(rule));
    redraw(d.inclusion.length > i ? `${prefix}r${i}:name` : `${prefix}add-rule-event`);
  }, { key: `${key}:remove`, cls: "remove-rule", label: `remove ${label}` });
  const moveUp = button("↑", () => { [d.inclusion[i - 1], d.inclusion[i]] = [d.inclusion[i], d.inclusion[i - 1]]; redraw(`${prefix}r${i - 1}:up`); },
    { key: `${key}:up`, cls: "move", label: `move ${label} up` });
  moveUp.disabled = i === 0;
  box.append(row(
    textField(`Rule ${i + 1} name`, rule.name ?? "", (v) => { rule.name = v; edited(); }, { key: `${key}:name`, cls: "rule-name" }),
    textField("Description", rule.description ?? "", (v) => { if (v) rule.description = v; else delete rule.description; edited(); }, { key: `${key}:desc`, cls: "rule-desc" }),
    moveUp, rm));
  box.append(...criterionBody(d, rule, key, label));
  return box;
}
const nestedLabel = (prefix: string) => prefix.split("/").filter(Boolean).map((p) => `nested cohort ${Number(p.slice(1)) + 1}`).join(", ");

// ---------- entry, exit, censoring, nested cohorts ----------
function isoDate(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v));
}
function entryEditor(d: Json, prefix: string, isTop: boolean): HTMLElement {
  d.entry ??= { events: [] };
  const e = d.entry;
  if (!Array.isArray(e.events)) return h("fieldset", { class: "entry" }, h("legend", { text: "Entry event" }), h("pre", { class: "raw", text: JSON.stringify(e, null, 1) }),
    h("p", { class: "hint", text: "Kept as written (edit it in the JSON file)." }));
  const box = h("fieldset", { class: isTop ? "entry" : "nested-entry" }, h("legend", { text: "Entry event" }));
  e.events.forEach((f: Json, i: number) => {
    const key = `${prefix}e${i}`;
    const label = `entry event ${i + 1}`;
    const item = h("div", { class: "entry-event", role: "group", "aria-label": label });
    if (e.events.length > 1) {
      item.append(row(h("span", { class: "crit-title", text: i === 0 ? "entry event 1" : `or entry event ${i + 1}` }),
        button("Remove", () => {
          e.events.splice(i, 1);
          if (typeof f.concept_set === "string") prune(d, [f.concept_set]);
          redraw(`${prefix}e0:kind`);
        }, { key: `${key}:remove`, cls: "remove-entry", label: `remove ${label}` })));
    }
    item.append(...filterEditor(d, f, key, isTop && i === 0 ? { pickerId: "entry-search-focus", kindCls: "entry-kind" } : {}));
    box.append(item);
  });
  box.append(row(button("+ another entry event", () => {
    e.events.push({ event: "dispensing", concept_set: newSet(d, "dispensing", "entry") });
    redraw(`${prefix}e${e.events.length - 1}:kind`);
  }, { key: `${prefix}add-entry`, cls: "add-entry" })));
  const dr = e.date_range && typeof e.date_range === "object" ? e.date_range : {};
  const date = (k: "from" | "to", label: string) => textField(label, dr[k] ?? "", (v) => {
    e.date_range = e.date_range && typeof e.date_range === "object" ? e.date_range : {};
    if (v.trim()) e.date_range[k] = v.trim(); else delete e.date_range[k];
    if (Object.keys(e.date_range).length === 0) delete e.date_range;
    edited();
  }, { key: `${prefix}entry:${k}`, type: isoDate(dr[k]) ? "date" : "text", placeholder: "YYYY-MM-DD" });
  const obs = (k: string, label: string) => numberField(label, e[k], (v) => { if (v === undefined || v === 0) delete e[k]; else e[k] = v; edited(); }, { key: `${prefix}entry:${k}`, min: 0 });
  box.append(
    row(select("Occurrence", [["first", "first ever"], ["all", "all"], ["last", "last"]], e.occurrence ?? "first", (v) => { e.occurrence = v; edited(); }, { key: `${prefix}entry:occ` }),
      obs("prior_observation", "Prior observation (days)"), obs("post_observation", "Post observation (days)")),
    row(date("from", "Index from"), date("to", "Index to"), h("p", { class: "hint", text: "Index dates kept in this range (inclusive); empty: unbounded." })));
  return box;
}

function exitEditor(d: Json, prefix: string): HTMLElement {
  const exit = d.exit ?? { type: "end_of_observation" };
  const box = h("fieldset", { class: "exit" }, h("legend", { text: "Exit" }));
  const key = `${prefix}exit`;
  const drugSets = (d.concept_sets ?? []).filter((c: Json) => accepts("dispensing", c?.system)).map((c: Json) => String(c.name));
  box.append(row(select("Exit", [["end_of_observation", "end of observation"], ["fixed", "fixed offset from index"], ["drug_exposure", "end of continuous drug exposure"], ["death", "death"]],
    exit.type, (v) => {
      const old = d.exit?.concept_set;
      if (v === "end_of_observation") delete d.exit;
      else if (v === "fixed") d.exit = { type: "fixed", days: 365 };
      else if (v === "drug_exposure") {
        const entrySet = (d.entry?.events ?? []).map((f: Json) => f.concept_set).find((n: unknown) => drugSets.includes(n as string));
        d.exit = { type: "drug_exposure", concept_set: entrySet ?? drugSets[0] ?? newSet(d, "dispensing", "exposure"), gap: 30 };
      } else d.exit = { type: v };
      if (typeof old === "string") prune(d, [old]);
      redraw(`${key}:type`);
    }, { key: `${key}:type`, cls: "exit-type" })));
  const num = (k: string, label: string, dflt?: number) => numberField(label, exit[k], (v) => {
    if (v === undefined) { if (dflt === undefined) delete exit[k]; else exit[k] = dflt; } else exit[k] = v;
    edited();
  }, { key: `${key}:${k}`, min: 0 });
  if (exit.type === "fixed") {
    box.append(row(num("days", "Days after index", 0), select("Counted from", [["index_start", "index start"], ["index_end", "index end (discharge)"]], exit.from ?? "index_start", (v) => {
      if (v === "index_start") delete exit.from; else exit.from = v;
      edited();
    }, { key: `${key}:from` })));
  }
  if (exit.type === "drug_exposure") {
    const sets: [string, string][] = drugSets.map((n: string) => [n, n]);
    if (!drugSets.includes(exit.concept_set)) sets.unshift([String(exit.concept_set ?? ""), `${exit.concept_set ?? "(none)"} (not a drug concept set)`]);
    sets.push(["\u0000new", "a new concept set…"]);
    box.append(row(select("Drug concept set", sets, String(exit.concept_set ?? ""), (v) => {
      const old = exit.concept_set;
      exit.concept_set = v === "\u0000new" ? newSet(d, "dispensing", "exposure") : v;
      if (typeof old === "string") prune(d, [old]);
      redraw(`${key}:set`);
    }, { key: `${key}:set` }), num("gap", "Allowed gap (days)", 30), num("days_per_box", "Days per box (empty: the pack's own)"), num("extension", "Extension (days)")));
    const cs = findSet(d, exit.concept_set);
    if (cs) {
      cs.codes ??= [];
      const system = canonSystem(cs.system);
      box.append(chips(`codes of ${cs.name}`, cs.codes, (c) => labelSpan(system, c), (c) => { cs.codes = cs.codes.filter((x: string) => x !== c); redraw(`${key}:search`); }, `${key}:codes`),
        picker(`Add a ${system} code`, codeSearch(system), (hit) => { if (!cs.codes.includes(hit.code)) cs.codes.push(hit.code); redraw(`${key}:search`); }, { key: `${key}:search` }));
    }
  }
  box.append(row(numberField("Merge entries less than this many days apart (era collapse)", d.collapse_days, (v) => {
    if (!v) delete d.collapse_days; else d.collapse_days = v;
    edited();
  }, { key: `${prefix}collapse`, min: 0 })));
  return box;
}

function censoringEditor(d: Json, prefix: string): HTMLElement {
  const box = h("fieldset", { class: "censoring" }, h("legend", { text: "Censoring events" }),
    h("p", { class: "hint", text: "The first of these events on or after the index start ends the entry." }));
  const list: Json[] = Array.isArray(d.censoring) ? d.censoring : [];
  list.forEach((f, i) => {
    const key = `${prefix}cens${i}`;
    const label = `censoring event ${i + 1}`;
    box.append(h("div", { class: "entry-event", role: "group", "aria-label": label },
      row(h("span", { class: "crit-title", text: label }), button("Remove", () => {
        list.splice(i, 1);
        if (list.length === 0) delete d.censoring;
        if (typeof f.concept_set === "string") prune(d, [f.concept_set]);
        redraw(`${prefix}add-censoring`);
      }, { key: `${key}:remove`, cls: "remove-censoring", label: `remove ${label}` })),
      ...filterEditor(d, f, key)));
  });
  box.append(row(button("+ censoring event", () => {
    d.censoring ??= [];
    d.censoring.push({ event: "death" });
    redraw(`${prefix}cens${d.censoring.length - 1}:kind`);
  }, { key: `${prefix}add-censoring`, cls: "add-censoring" })));
  return box;
}

function rulesEditor(d: Json, prefix: string): HTMLElement {
  const box = h("fieldset", { class: "rules" }, h("legend", { text: "Inclusion rules" }));
  if (d.inclusion !== undefined && !Array.isArray(d.inclusion)) {
    box.append(h("pre", { class: "raw", text: JSON.stringify(d.inclusion, null, 1) }), h("p", { class: "hint", text: "Kept as written (edit it in the JSON file)." }));
    return box;
  }
  (d.inclusion ?? []).forEach((rule: Json, i: number) => box.append(ruleEditor(d, rule, i, prefix)));
  const add = (text: string, make: () => Json, cls: string, focus: string) => button(text, () => {
    d.inclusion ??= [];
    d.inclusion.push(make());
    redraw(`${prefix}r${d.inclusion.length - 1}:${focus}`);
  }, { key: `${prefix}${cls}`, cls });
  box.append(row(
    add("+ age rule", () => ({ name: "aged 18 or more", demographics: { age: { min: 18 } } }), "add-age", "age-min"),
    add("+ sex rule", () => ({ name: "women", demographics: { sex: "female" } }), "add-sex", "sex"),
    add("+ event rule", () => {
      const c = newEvent(d);
      return { name: `has ${c.concept_set}`, ...c };
    }, "add-rule-event", "kind"),
    add("+ group rule", () => ({ name: `group ${(d.inclusion?.length ?? 0) + 1}`, all: [] }), "add-group", "form"),
  ));
  return box;
}

function nestedCohorts(d: Json, prefix: string): HTMLElement {
  const box = h("fieldset", { class: "nested" }, h("legend", { text: "Nested cohorts" }),
    h("p", { class: "hint", text: "Cohorts that rules refer to by name (criterion “entries of a nested cohort”)." }));
  if (d.cohorts !== undefined && !Array.isArray(d.cohorts)) {
    box.append(h("pre", { class: "raw", text: JSON.stringify(d.cohorts, null, 1) }), h("p", { class: "hint", text: "Kept as written (edit it in the JSON file)." }));
    return box;
  }
  (d.cohorts ?? []).forEach((c: Json, i: number) => {
    const p = `${prefix}c${i}/`;
    const label = nestedLabel(p);
    const item = h("details", { class: "nested-cohort", open: "" }, h("summary", { text: `${label}: ${c?.name ?? ""}` }));
    if (!c || typeof c !== "object" || !c.entry) {
      item.append(h("pre", { class: "raw", text: JSON.stringify(c, null, 1) }), h("p", { class: "hint", text: "Kept as written (edit it in the JSON file)." }));
    } else {
      const g = h("div", { role: "group", "aria-label": label });
      g.append(row(textField(`${label} name`, c.name ?? "", (v) => {
        // rules of this definition that named the cohort follow its new name
        const old = c.name;
        c.name = v;
        renameCohort(d, old, v);
        redraw(`${p}name`);
      }, { key: `${p}name` }), button("Remove", () => { d.cohorts.splice(i, 1); if (d.cohorts.length === 0) delete d.cohorts; redraw(`${prefix}add-cohort`); },
        { key: `${p}remove`, cls: "remove-cohort", label: `remove ${label}` })), ...definitionBody(c, p, false));
      item.append(g);
    }
    box.append(item);
  });
  box.append(row(button("+ nested cohort", () => { newNestedCohort(d); redraw(`${prefix}c${d.cohorts.length - 1}/name`); }, { key: `${prefix}add-cohort`, cls: "add-cohort" })));
  return box;
}
function renameCohort(d: Json, from: string, to: string): void {
  const walk = (n: Json) => {
    if (!n || typeof n !== "object") return;
    if (Array.isArray(n)) { n.forEach(walk); return; }
    if (n.in_cohort === from) n.in_cohort = to;
    for (const k of ["all", "any", "of"]) walk(n[k]);
  };
  walk(d.inclusion);
}

/** The parts of a definition (the page's, or a nested cohort). */
function definitionBody(d: Json, prefix: string, isTop: boolean): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (isTop) {
    out.push(row(textField("Cohort name", d.name ?? "", (v) => { d.name = v; edited(); }, { key: "name", cls: "def-name" }),
      textField("Description", d.description ?? "", (v) => { if (v) d.description = v; else delete d.description; edited(); }, { key: "description", cls: "def-desc" })));
  }
  out.push(entryEditor(d, prefix, isTop), rulesEditor(d, prefix), exitEditor(d, prefix), censoringEditor(d, prefix));
  if (isTop || Array.isArray(d.cohorts)) out.push(nestedCohorts(d, prefix));
  return out;
}

/**
 * A document of an older version brought to the current one, as the core reads it: version 1
 * named concept sets `concepts` and bounded windows with `from`/`to`.
 */
export function migrated(def: Json): Json {
  const v1 = (d: Json, inherited: number) => {
    if (!d || typeof d !== "object") return;
    const version = typeof d.version === "number" ? d.version : inherited;
    if (version === 1) {
      if ("concepts" in d && !("concept_sets" in d)) { d.concept_sets = d.concepts; delete d.concepts; }
      const windows = (n: Json) => {
        if (!n || typeof n !== "object") return;
        if (Array.isArray(n)) { n.forEach(windows); return; }
        const w = n.window;
        if (w && typeof w === "object" && !Array.isArray(w)) {
          if ("from" in w) { w.start = w.from; delete w.from; }
          if ("to" in w) { w.end = w.to; delete w.to; }
        }
        for (const [k, x] of Object.entries(n)) if (k !== "cohorts") windows(x);
      };
      windows(d.inclusion);
      d.version = 2;
    }
    if (Array.isArray(d.cohorts)) d.cohorts.forEach((c: Json) => v1(c, version));
  };
  v1(def, 2);
  return def;
}

// ---------- the outcome of the survival curve ----------
const PRESETS: { text: string; event: Event; codes: string[] }[] = [
  { text: "death", event: "death", codes: [] },
  { text: "myocardial infarction stay (I21)", event: "stay", codes: ["I21"] },
  { text: "stroke stay (I63)", event: "stay", codes: ["I63"] },
  { text: "heart failure stay (I50)", event: "stay", codes: ["I50"] },
];
const outcomeState: { event: Event; codes: string[] } = { event: "death", codes: [] };
let outcomeRoot: HTMLElement | null = null;

/** The outcome control, drawn in the page's `#outcome-box` fieldset. */
export function mountOutcome(formHost: FormHost): void {
  host = formHost;
  outcomeRoot = document.getElementById("outcome-box");
  drawOutcome();
}
function drawOutcome(focusKey?: string): void {
  const box = outcomeRoot;
  if (!box) return;
  const active = document.activeElement as HTMLElement | null;
  const key = focusKey ?? (active && box.contains(active) ? active.getAttribute("data-key") : null);
  const st = outcomeState;
  const system = SYSTEM_OF_EVENT[st.event];
  box.replaceChildren(h("legend", { text: "Outcome of the survival curve" }),
    h("div", { class: "row presets", role: "group", "aria-label": "quick choices of outcome" }, h("span", { class: "hint", text: "Quick choices:" }),
      ...PRESETS.map((p, i) => {
        const b = button(p.text, () => { st.event = p.event; st.codes = [...p.codes]; drawOutcome(`outcome:preset-${i}`); }, { key: `outcome:preset-${i}`, cls: "preset" });
        b.setAttribute("aria-pressed", String(st.event === p.event && st.codes.join() === p.codes.join()));
        return b;
      })),
    row(select("Outcome event", EVENTS.map((e) => [e, EVENT_TEXT[e]]), st.event, (v) => {
      const sameSystem = SYSTEM_OF_EVENT[v] === SYSTEM_OF_EVENT[st.event];
      st.event = v as Event;
      if (!sameSystem) st.codes = [];
      drawOutcome("outcome:kind");
    }, { key: "outcome:kind", cls: "outcome-kind" })));
  if (system) {
    box.append(chips("outcome codes", st.codes, (c) => labelSpan(system, c), (c) => {
      st.codes = st.codes.filter((x) => x !== c);
      drawOutcome("outcome:search");
    }, "outcome:codes"),
    picker(`Add an outcome ${system} code`, codeSearch(system), (hit) => {
      if (!st.codes.includes(hit.code)) st.codes.push(hit.code);
      drawOutcome("outcome:search");
    }, { key: "outcome:search", id: "outcome-search", placeholder: "infarctus, I50, insuline…" }),
    h("p", { class: "hint", text: st.codes.length ? `The first ${EVENT_TEXT[st.event]} with one of these codes (or a descendant) after the index is the outcome.` : "Pick at least one code: with none, no one has the outcome." }));
  }
  host.changed();
  if (key) (box.querySelector(`[data-key="${CSS.escape(key)}"]`) as HTMLElement | null)?.focus();
}
/** The outcome as the worker's `km` takes it. */
export function outcome(): Outcome {
  const st = outcomeState;
  if (st.event === "death") return "death";
  return st.codes.map((code) => ({ event: st.event as Exclude<Event, "death">, system: SYSTEM_OF_EVENT[st.event], code }));
}
/** The outcome in words: its event type and its codes with their labels. */
export function outcomeLabel(): string {
  const st = outcomeState;
  if (st.event === "death") return "death";
  const system = SYSTEM_OF_EVENT[st.event];
  const codes = st.codes.map((c) => { const l = cachedLabel(system, c); return l ? `${c} ${l}` : c; });
  return `${EVENT_TEXT[st.event]}: ${codes.length ? codes.join(", ") : "no code picked"}`;
}
/** The outcome as the Python `Cohort.km` takes it. */
export function outcomePython(): string {
  const o = outcome();
  if (o === "death") return '"death"';
  return `[${o.map((c) => Array.isArray(c) ? JSON.stringify(c) : `(${JSON.stringify(c.event)}, ${JSON.stringify(c.system)}, ${JSON.stringify(c.code)})`).join(", ")}]`;
}
