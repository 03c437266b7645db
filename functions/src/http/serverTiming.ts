// Server-Timing (W3C): how long each step of a request took, for the bench and for a person
// looking at a slow request in the browser. Always on: it reveals durations only, never data.
import type { Request } from 'express';

export type Step = 'token' | 'role' | 'resource' | 'render';

/** Adds `step` with the time since `startNs` (process.hrtime.bigint()) to the reply's header. */
export function noteStep(req: Request, step: Step, startNs: bigint, desc?: string): void {
  const res = req.res;
  if (!res || res.headersSent) return;
  const ms = Number(process.hrtime.bigint() - startNs) / 1e6;
  res.append('Server-Timing', `${step};dur=${ms.toFixed(3)}${desc ? `;desc="${desc}"` : ''}`);
}

/** Runs `work` and notes how long it took as `step`, whether it succeeded or not. */
export async function timed<T>(req: Request, step: Step, work: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  try {
    return await work();
  } finally {
    noteStep(req, step, start);
  }
}
