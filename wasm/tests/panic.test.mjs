// A panic (a bug) reaches JavaScript as a CohorteError with code "panic" and the panic's
// message, not as an opaque `RuntimeError: unreachable`. In its own file: node runs each test
// file in its own process, and a module that panicked should not serve other tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cohorte, thrown } from "./helpers.mjs";

test("a panic is reported as a CohorteError with code panic", () => {
  const original = console.error;
  const logged = [];
  console.error = (...args) => logged.push(args.join(" "));
  let e;
  try {
    e = thrown(() => cohorte.__panicForTests());
  } finally {
    console.error = original;
  }
  assert.ok(e instanceof Error);
  assert.equal(e.name, "CohorteError");
  assert.equal(e.code, "panic");
  assert.match(e.message, /deliberate panic/);
  assert.ok(logged.some((l) => l.includes("deliberate panic")), "the hook logs the panic");
});
