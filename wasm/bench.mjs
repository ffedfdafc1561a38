// Timings of the wasm package in node (`make bench-wasm`): synthetic generation and the
// evaluation of each example definition. Usage: node wasm/bench.mjs [--patients N] [--seed S]
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const cohorte = require(path.join(here, "pkg-node", "cohorte_wasm.js"));

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const patients = arg("patients", 100000);
const seed = arg("seed", 1);
const repeat = arg("repeat", 5);

const t0 = performance.now();
const dataset = cohorte.Dataset.synthetic({ patients, seed });
const gen = performance.now() - t0;
console.log(
  `cohorte ${cohorte.version()} (wasm, node ${process.version}): ${patients} patients, ` +
    `${dataset.events} events generated in ${gen.toFixed(0)} ms ` +
    `(${(dataset.events / gen / 1000).toFixed(2)} M events/s; budget: 100 k patients < 2 s in the browser)`,
);
for (const { name, json } of cohorte.exampleDefinitions()) {
  const times = [];
  let persons = 0;
  for (let r = 0; r < repeat; r++) {
    const t = performance.now();
    const cohort = dataset.cohort(json);
    times.push(performance.now() - t);
    persons = cohort.nPersons;
    cohort.free();
  }
  times.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(32)} median ${times[times.length >> 1].toFixed(1).padStart(7)} ms  ${persons} persons`,
  );
}
