// Captures what the functions log while `fn` runs in this process: firebase-functions' logger
// writes one JSON entry a line to stdout or stderr, and these are parsed back into entries.
export interface LogEntry {
  severity: string;
  message: string;
  event?: string;
  [field: string]: unknown;
}

export async function captureLogs(fn: () => Promise<unknown>): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write);
  const collect = (chunk: unknown): void => {
    for (const line of String(chunk).split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as LogEntry;
        if (typeof entry.severity === 'string') entries.push(entry);
      } catch {
        // Not a log entry: some other JSON-looking output.
      }
    }
  };
  streams.forEach((stream, i) => {
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      collect(chunk);
      return (originals[i] as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  });
  try {
    await fn().catch(() => undefined);
  } finally {
    streams.forEach((stream, i) => (stream.write = originals[i]));
  }
  return entries;
}

/** The event names of the entries, in order. */
export const eventsOf = (entries: LogEntry[]): string[] => entries.map((e) => e.event ?? e.message);
