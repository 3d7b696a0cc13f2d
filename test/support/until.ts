// Waiting for a condition rather than for a time: `check` is asked every 100 ms until it gives a value.
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, seconds = 60): Promise<T> {
  for (const end = Date.now() + seconds * 1000; Date.now() < end;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting until ${what}`);
}
