/**
 * Waits until `done` holds, asking every `everyMs`; throws naming `what` once `timeoutMs` has passed.
 * For tests that wait on something asynchronous (a listener reading, a batch committing).
 */
export async function until(
  what: string,
  done: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
  everyMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
