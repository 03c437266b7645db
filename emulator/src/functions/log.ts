// One structured line per function invocation, so a developer (or a test) can see which function
// ran, for which trigger, how long it took and how it ended.

export interface InvocationLog {
  function: string;
  trigger: string;
  outcome: 'ok' | 'error' | 'retrying' | 'gave-up' | 'timeout';
  durationMs: number;
  attempt?: number;
  status?: number;
  document?: string;
  eventId?: string;
  error?: string;
  nextAttemptInMs?: number;
}

export type InvocationLogger = (entry: InvocationLog) => void;

/** The default logger: one JSON line on stdout, tagged so it can be grepped out of the stack's output. */
export const stdoutLogger: InvocationLogger = (entry) => {
  const line = { time: new Date().toISOString(), component: 'functions', ...entry };
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/** A readable message for anything a function threw or rejected with. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
}
