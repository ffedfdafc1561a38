// The open-data view: an Open Medic or Data pathologies file read by the core (in the worker),
// summed here by year, age, sex and region (and mapped by département for Data pathologies).
// These files are published already protected by their producer: an empty cell is a count
// masked at source. A sum over cells one of which is masked is shown as a lower bound ("≥"),
// a sum of masked cells only as "masked at source"; nothing masked is ever shown as zero.
import type { OpenDataFile } from "./api";

/** One group of a summary: its key, its label, the sum of the unmasked cells, how many masked. */
export interface Group {
  key: string;
  label: string;
  sum: number;
  /** Cells summed (masked ones included). */
  cells: number;
  masked: number;
  /** A second measure summed over the same rows (Data pathologies: the population, Npop). */
  sum2?: number;
  masked2?: number;
}

export interface Breakdown {
  dim: string;
  title: string;
  groups: Group[];
  /** Which rows were summed (Data pathologies files hold several levels of totals). */
  rows: string;
}

type Col = (string | number | null)[];

function col(f: OpenDataFile, name: string): Col {
  return f.data[name] ?? new Array<null>(f.rows).fill(null);
}

function group(keys: Col, labels: (k: string) => string, values: Col, values2: Col | null, rows: number[]): Group[] {
  const out = new Map<string, Group>();
  for (const i of rows) {
    const key = keys[i] === null ? "" : String(keys[i]);
    let g = out.get(key);
    if (!g) {
      g = { key, label: labels(key), sum: 0, cells: 0, masked: 0, ...(values2 ? { sum2: 0, masked2: 0 } : {}) };
      out.set(key, g);
    }
    g.cells += 1;
    const v = values[i];
    if (v === null) g.masked += 1; else g.sum += Number(v);
    if (values2 && g.sum2 !== undefined) {
      const w = values2[i];
      if (w === null) g.masked2 = (g.masked2 ?? 0) + 1; else g.sum2 += Number(w);
    }
  }
  return [...out.values()].sort((a, b) => a.key.localeCompare(b.key, "en", { numeric: true }));
}

const OPEN_MEDIC_AGE: Record<string, string> = { "0": "0–19", "20": "20–59", "60": "60 and over", "99": "unknown" };
const SEX: Record<string, string> = { "1": "men", "2": "women", "9": "unknown" };

/** Open Medic: boxes dispensed (`BOITES`) by age, sex, region and ATC1 group. */
export function openMedic(f: OpenDataFile, regionName: (code: string) => string): { year: string; measure: string; total: Group; breakdowns: Breakdown[] } {
  const all = [...Array(f.rows).keys()];
  const boxes = col(f, "BOITES");
  const year = /(\d{4})/.exec(f.file)?.[1] ?? "";
  const atcLabels = new Map<string, string>();
  const atc1 = col(f, "ATC1");
  const l1 = col(f, "l_ATC1");
  all.forEach((i) => { if (atc1[i] !== null) atcLabels.set(String(atc1[i]), String(l1[i] ?? "")); });
  const total = group(new Array<string>(f.rows).fill("all"), () => "all", boxes, null, all)[0]
    ?? { key: "all", label: "all", sum: 0, cells: 0, masked: 0 };
  const reg = (k: string) => (k === "5" ? "overseas regions" : k === "99" ? "unknown" : regionName(k) || k);
  return {
    year,
    measure: "boxes dispensed",
    total,
    breakdowns: [
      { dim: "year", title: "By year", groups: [{ ...total, key: year, label: year || "(no year in the file name)" }], rows: "every row" },
      { dim: "age", title: "By age", groups: group(col(f, "age"), (k) => OPEN_MEDIC_AGE[k] ?? k, boxes, null, all), rows: "every row" },
      { dim: "sex", title: "By sex", groups: group(col(f, "sexe"), (k) => SEX[k] ?? k, boxes, null, all), rows: "every row" },
      { dim: "region", title: "By region of residence", groups: group(col(f, "BEN_REG"), reg, boxes, null, all), rows: "every row" },
      { dim: "atc1", title: "By ATC group", groups: group(atc1, (k) => `${k} ${atcLabels.get(k) ?? ""}`.trim(), boxes, null, all), rows: "every row" },
    ],
  };
}

/** The codes of the Data pathologies layout meaning "all" for each stratum. */
const TOTAL: Record<string, (v: string | number | null) => boolean> = {
  annee: () => false,
  cla_age_5: (v) => v === null || String(v).toLowerCase() === "tsage",
  sexe: (v) => v === null || Number(v) === 9,
  region: (v) => v === null || Number(v) === 99,
  dept: (v) => v === null || String(v) === "999",
};
const DIM_LABEL: Record<string, string> = { annee: "year", cla_age_5: "age", sexe: "sex", region: "region", dept: "département" };

/** The pathologies (`top`) of a Data pathologies file, with their labels. */
export function pathologies(f: OpenDataFile): { top: string; label: string; rows: number }[] {
  const top = col(f, "top");
  const n1 = col(f, "patho_niv1");
  const n2 = col(f, "patho_niv2");
  const n3 = col(f, "patho_niv3");
  const out = new Map<string, { top: string; label: string; rows: number }>();
  for (let i = 0; i < f.rows; i++) {
    const t = String(top[i] ?? "");
    const e = out.get(t);
    if (e) e.rows += 1;
    else out.set(t, { top: t, label: [n1[i], n2[i], n3[i]].filter((x) => x !== null && x !== "").join(" › ") || t, rows: 1 });
  }
  return [...out.values()];
}

/**
 * Data pathologies: patients with the pathology (`Ntop`) and the population (`Npop`) of one
 * pathology, by year, age, sex, region and département. The file holds totals at several levels
 * (`tsage`, sex 9, region 99, département 999): for each stratum the rows summed are those with
 * that stratum given and as few of the others given as the file allows, so no patient is
 * counted twice.
 */
export function dataPathologies(
  f: OpenDataFile, top: string, regionName: (code: string) => string, deptName: (code: string) => string,
): { year: string; breakdowns: Breakdown[] } {
  const tops = col(f, "top");
  const dims = ["annee", "cla_age_5", "sexe", "region", "dept"];
  const cols = Object.fromEntries(dims.map((d) => [d, col(f, d)]));
  const ofTop = [...Array(f.rows).keys()].filter((i) => String(tops[i] ?? "") === top);
  // one year for the strata other than the year (patients are counted again each year)
  const year = String(Math.max(...ofTop.map((i) => Number(cols.annee[i] ?? 0))));
  const inYear = ofTop.filter((i) => String(cols.annee[i]) === year);
  // a département row also gives its region: place is one stratum of three levels
  const given = (d: string, i: number): boolean => !TOTAL[d](cols[d][i]);
  const others = (d: string, i: number): string[] =>
    dims.filter((o) => o !== d && o !== "annee" && !(d === "dept" && o === "region") && given(o, i));
  const ntop = col(f, "Ntop");
  const npop = col(f, "Npop");
  const label = (d: string) => (k: string): string =>
    d === "sexe" ? (SEX[k] ?? k) : d === "region" ? regionName(k) || k : d === "dept" ? `${k} ${deptName(k)}`.trim() : k;
  const breakdowns = dims.map((d) => {
    const candidates = (d === "annee" ? ofTop : inYear).filter((i) => given(d, i));
    const fewest = Math.min(...candidates.map((i) => others(d, i).length));
    const pattern = (i: number) => others(d, i).join(",");
    const chosen = candidates.filter((i) => others(d, i).length === fewest);
    // among the coarsest rows, keep one pattern (the most frequent) so the sums share a base
    const freq = new Map<string, number>();
    for (const i of chosen) freq.set(pattern(i), (freq.get(pattern(i)) ?? 0) + 1);
    const best = [...freq.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
    const rows = chosen.filter((i) => pattern(i) === best);
    const desc = best === "" ? "the rows of all the other strata together" : `the rows given by ${best.split(",").map((o) => DIM_LABEL[o]).join(" and ")}, summed`;
    const title = d === "annee" ? "By year" : `By ${DIM_LABEL[d]} (${year})`;
    return { dim: d, title, groups: group(cols[d], label(d), ntop, npop, rows), rows: candidates.length ? desc : "no row" };
  });
  return { year, breakdowns };
}
