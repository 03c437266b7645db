// What an activity query may ask: one of type, subject (kind, with an id) or actor at a time,
// with any time range; each such query has its index (firestore.indexes.json). Members below
// admin see only the members' events.
import { AppError } from '../errors';
import { atLeast, type Role } from '../roles';
import type { Audience } from './model';

export interface ActivityQuery {
  type?: string;
  subjectKind?: string;
  subjectId?: string;
  actor?: string;
  from?: Date;
  to?: Date;
}

export interface ActivityFilter extends ActivityQuery {
  audience?: Audience;
}

function refuse(field: string, message: string, detail: string): never {
  throw new AppError('invalid_argument', message, {
    field,
    errors: [{ field, message: detail }],
  });
}

export function activityFilter(query: ActivityQuery, role: Role): ActivityFilter {
  const groups = [query.type, query.subjectKind ?? query.subjectId, query.actor].filter(
    (v) => v !== undefined,
  );
  if (groups.length > 1) {
    refuse(
      'type',
      'Filter by one of type, subjectKind (with subjectId) or actor at a time, with from and to',
      'combined with subject or actor',
    );
  }
  if (query.subjectId && !query.subjectKind) {
    refuse('subjectId', 'subjectId needs subjectKind', 'needs subjectKind');
  }
  if (query.from && query.to && query.from >= query.to) {
    refuse('from', 'from must be before to', 'must be before to');
  }
  return { ...pick(query), audience: atLeast(role, 'admin') ? undefined : 'members' };
}

const pick = (q: ActivityQuery): ActivityQuery => ({
  type: q.type,
  subjectKind: q.subjectKind,
  subjectId: q.subjectId,
  actor: q.actor,
  from: q.from,
  to: q.to,
});
