// Bounded waiting and plain HTTP, with failure messages that say what was last seen.

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** GET http://<hostPort><path>, bounded; network errors propagate. */
export async function httpGet(hostPort: string, path: string): Promise<HttpAnswer> {
  const res = await fetch(`http://${hostPort}${path}`, { signal: AbortSignal.timeout(5000) });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body: await res.text(),
  };
}

/**
 * Polls `probe` until `done(value)` holds; fails after `ms` naming `what` and the last value (or
 * error) seen. Returns the value that satisfied it.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  done: (value: T) => boolean,
  ms: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: string = 'nothing yet';
  for (;;) {
    try {
      const value = await probe();
      if (done(value)) return value;
      last = JSON.stringify(value);
    } catch (err) {
      last = `error: ${(err as Error).message}`;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}; last seen: ${last}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Lines of text, empty ones dropped. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** A text table (meshctl's) as rows of cells: columns are separated by two or more spaces. */
export function tableRows(text: string): string[][] {
  return lines(text).map((l) => l.trim().split(/\s{2,}/));
}
