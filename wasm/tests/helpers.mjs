// Shared helpers of the node tests: the built node package (wasm/pkg-node, made by
// `make wasm-pkg`) and the paths of the shared fixtures.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, "..", "..");
export const fixtures = path.join(root, "fixtures");

const require = createRequire(import.meta.url);
export const cohorte = require(path.join(root, "wasm", "pkg-node", "cohorte_wasm.js"));

/** Days since 1970-01-01 as `YYYY-MM-DD` (UTC: no time zone can shift a day). */
export function isoDay(days) {
  return new Date(days * 86400000).toISOString().slice(0, 10);
}

/** Run `fn` and return the error it throws (failing when it throws nothing). */
export function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error, none was thrown");
}
