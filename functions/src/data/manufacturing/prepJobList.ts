// GET /prep-jobs: an organisation's prep jobs newest first, optionally of one status, order or
// batch, a page at a time (what operators watch: recent and failed jobs). Indexes: one per
// combination of the filters, each with createdAt descending (firestore.indexes.json).
import { Timestamp, type Query } from 'firebase-admin/firestore';
import { AppError } from '../../domain/errors';
import type { JobStatus } from '../../domain/manufacturing/prepJobs';
import { prepJobsRef } from '../paths';
import { toPrepJob, type PrepJob } from './prepJobs';

const encode = (createdAt: Timestamp, id: string) =>
  Buffer.from(`${createdAt.toMillis()}|${id}`).toString('base64url');

function decode(token: string): [Timestamp, string] {
  const match = /^(\d{1,15})\|([A-Za-z0-9_-]{1,128})$/.exec(
    Buffer.from(token, 'base64url').toString(),
  );
  if (!match) {
    throw new AppError('invalid_argument', 'pageToken is not one this API gave out', {
      field: 'pageToken',
    });
  }
  return [Timestamp.fromMillis(Number(match[1])), match[2]];
}

export async function listPrepJobs(
  orgId: string,
  opts: {
    status?: JobStatus;
    orderId?: string;
    batchId?: string;
    limit: number;
    pageToken?: string;
  },
): Promise<{ jobs: PrepJob[]; nextPageToken: string | null }> {
  let query: Query = prepJobsRef(orgId);
  if (opts.status) query = query.where('status', '==', opts.status);
  if (opts.orderId) query = query.where('orderId', '==', opts.orderId);
  if (opts.batchId) query = query.where('batchId', '==', opts.batchId);
  query = query.orderBy('createdAt', 'desc').orderBy('__name__', 'desc').limit(opts.limit);
  if (opts.pageToken) query = query.startAfter(...decode(opts.pageToken));
  const snap = await query.get();
  const jobs = snap.docs.map((d) => toPrepJob(d.id, d.data()));
  const last = snap.docs.at(-1);
  const lastAt = last?.get('createdAt');
  return {
    jobs,
    nextPageToken:
      snap.size === opts.limit && last && lastAt instanceof Timestamp
        ? encode(lastAt, last.id)
        : null,
  };
}
