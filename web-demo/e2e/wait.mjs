// States the end-to-end tests wait for, shared by run.mjs and a11y.mjs. Each waits for the page
// to reach a state it announces, never for a length of time: a loaded machine makes every step
// slower, and a test that slept instead of waiting would read a state that is still changing.
// The timeouts only bound a failure.

/**
 * Types `query` into the code search `input` key by key, then waits until its list and its live
 * region show the answer to the whole query. Each key sends a search, and the answer to an
 * earlier prefix ("metformin", "A10BD0") is on screen until the last one's arrives: an option
 * picked or an arrow key pressed before then acts on the wrong list. The picker drops answers
 * to superseded queries, and its live region names the query it shows ("12 codes found for
 * “metformine”"), set in the same task as the list.
 */
export async function searchFor(input, query, { delay = 20, timeout = 30_000 } = {}) {
  await input.pressSequentially(query, { delay });
  await answered(input, query, timeout);
}

/** Waits until the code search `input` shows the answer to `query` (see `searchFor`). */
export async function answered(input, query, timeout = 30_000) {
  const id = await input.getAttribute("id");
  await input.page().waitForFunction(([id, q]) => {
    const said = document.getElementById(`${id}-status`)?.textContent ?? "";
    return said.endsWith(`found for “${q}”`);
  }, [id, query.trim()], { timeout });
}

/**
 * Waits until the page's service worker is `activated`, and returns that state (or `redundant`
 * if it was replaced). `navigator.serviceWorker.ready` resolves as soon as a worker is the
 * registration's active one, which it becomes in the state `activating`: its `activate` handler
 * (clearing old caches, claiming the clients) may still be running. The worker announces the
 * end with a `statechange` event, listened to in the same task as the state is read, so the
 * event cannot be missed. The wait happens in the page; the test polls for its outcome so that
 * a worker never registered fails at `timeout` instead of hanging.
 */
export async function serviceWorkerActivated(page, timeout = 120_000) {
  await page.evaluate(() => {
    window.__cohorteSwState = undefined;
    navigator.serviceWorker.ready.then((reg) => {
      const sw = reg.active;
      const settled = () => sw.state === "activated" || sw.state === "redundant";
      if (settled()) { window.__cohorteSwState = sw.state; return; }
      sw.addEventListener("statechange", () => { if (settled()) window.__cohorteSwState = sw.state; });
    });
  });
  const state = await page.waitForFunction(() => window.__cohorteSwState, null, { timeout });
  return state.jsonValue();
}
