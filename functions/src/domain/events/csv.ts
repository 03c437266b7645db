// The activity export as CSV: one line per event, changes and data as JSON in their cells.
import { csvCell } from '../csv/write';
import type { ActivityEvent } from './model';

export const ACTIVITY_COLUMNS = [
  'id',
  'at',
  'type',
  'subjectKind',
  'subjectId',
  'actorKind',
  'actorId',
  'via',
  'changes',
  'data',
] as const;

export function activityCsvRow(e: ActivityEvent): string {
  const cells = [
    e.id,
    e.at,
    e.type,
    e.subject.kind,
    e.subject.id,
    e.actor.kind,
    e.actor.id,
    e.via,
    JSON.stringify(e.changes),
    JSON.stringify(e.data),
  ];
  return cells.map((c) => csvCell(c)).join(',') + '\r\n';
}

export async function* activityCsvLines(
  events: AsyncIterable<ActivityEvent>,
): AsyncGenerator<string> {
  yield `\uFEFF${ACTIVITY_COLUMNS.join(',')}\r\n`;
  for await (const e of events) yield activityCsvRow(e);
}

export async function* activityNdjsonLines(
  events: AsyncIterable<ActivityEvent>,
): AsyncGenerator<string> {
  for await (const e of events) yield `${JSON.stringify(e)}\n`;
}
