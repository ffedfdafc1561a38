// The browser benchmark page (`make bench-web` only; not part of the explorer's build): the
// cohorte wasm package and DuckDB-WASM, both bundled from local files (DuckDB's worker and module
// are copied from node_modules/@duckdb/duckdb-wasm/dist into bench/dist/assets), no network.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  logLevel: "warn",
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 4096 },
});
