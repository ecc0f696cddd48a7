/** Polls `read` every 50 ms until `done` holds, failing after 20 s with the last value: wait for a condition, never a fixed time. */
export async function eventually<T>(what: string, read: () => Promise<T>, done: (x: T) => boolean): Promise<T> {
  for (const deadline = Date.now() + 20_000; ;) {
    const x = await read();
    if (done(x)) return x;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(x)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
