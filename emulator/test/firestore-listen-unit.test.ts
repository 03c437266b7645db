// Unit tests of the Listen protocol (listen.ts) against a fake data source and a fake call, so the
// exact sequence of responses can be checked.
import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { Status } from '../src/firestore/errors';
import { type ListenCall, handleListen } from '../src/firestore/listen';
import type { InternalChange, ListenSource, Snapshot } from '../src/firestore/source';
import type { Document, ListenRequest, ListenResponse, Timestamp } from '../src/firestore/types';

const DB = 'projects/p/databases/(default)';
const ROOT = `${DB}/documents`;

class FakeSource implements ListenSource {
  readonly docs = new Map<string, Document>();
  readonly listeners = new Set<(changes: InternalChange[], readTime: Timestamp) => void>();
  private seconds = 100;

  private now(): Timestamp {
    return { seconds: String(this.seconds), nanos: 0 };
  }

  snapshot(): Snapshot {
    const docs = [...this.docs.values()];
    return {
      readTime: this.now(),
      documents: (parent) => docs.filter((d) => d.name.startsWith(parent + '/')),
      get: (name) => this.docs.get(name),
    };
  }

  subscribe(listener: (changes: InternalChange[], readTime: Timestamp) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies writes (undefined = delete) as one commit and notifies listeners. */
  commit(writes: Record<string, Record<string, number> | undefined>): void {
    this.seconds++;
    const changes: InternalChange[] = [];
    for (const [path, fields] of Object.entries(writes)) {
      const name = `${ROOT}/${path}`;
      const before = this.docs.get(name);
      let after: Document | undefined;
      if (fields === undefined) {
        this.docs.delete(name);
      } else {
        after = {
          name,
          fields: Object.fromEntries(
            Object.entries(fields).map(([k, v]) => [k, { integerValue: String(v) }]),
          ),
          createTime: before?.createTime ?? this.now(),
          updateTime: this.now(),
        };
        this.docs.set(name, after);
      }
      changes.push({ name, before, after });
    }
    for (const l of this.listeners) l(changes, this.now());
  }
}

/** The core's BidiStream, driven by the test: 'data', 'end' (half-close), 'cancelled'. */
class FakeCall extends EventEmitter implements ListenCall {
  readonly written: ListenResponse[] = [];
  readonly authorization = undefined;
  cancelled = false;
  ended = false;
  failure: Status | undefined;
  get writable(): boolean {
    return !this.cancelled && !this.ended;
  }
  onRequest(listener: (r: ListenRequest) => void): void {
    this.on('data', listener);
  }
  onHalfClose(listener: () => void): void {
    this.on('end', listener);
  }
  onGone(listener: () => void): void {
    this.on('cancelled', listener);
  }
  send(r: ListenResponse): void {
    this.written.push(r);
  }
  end(): void {
    this.ended = true;
  }
  fail(status: Status): void {
    this.failure = status;
  }
  request(r: ListenRequest): void {
    this.emit('data', r);
  }
}

/** A compact, comparable description of a response. */
function describeResponse(r: ListenResponse): string {
  if (r.targetChange) {
    const t = r.targetChange;
    const cause = t.cause ? ` cause=${t.cause.code}` : '';
    const time = t.readTime ? ` @${t.readTime.seconds}` : '';
    return `${t.targetChangeType}[${(t.targetIds ?? []).join(',')}]${time}${cause}`;
  }
  const short = (name: string | undefined) => (name ?? '').slice(ROOT.length + 1);
  if (r.documentChange) {
    return `change ${short(r.documentChange.document?.name)} [${r.documentChange.targetIds}]`;
  }
  if (r.documentDelete) return `delete ${short(r.documentDelete.document)}`;
  if (r.documentRemove) return `remove ${short(r.documentRemove.document)}`;
  return JSON.stringify(r);
}

function queryTarget(targetId: number, where?: object, extra: object = {}): ListenRequest {
  return {
    database: DB,
    addTarget: {
      targetId,
      query: {
        parent: ROOT,
        structuredQuery: { from: [{ collectionId: 'c' }], ...(where ? { where } : {}), ...extra },
      },
    },
  };
}

const keepFilter = {
  fieldFilter: { field: { fieldPath: 'keep' }, op: 'EQUAL', value: { integerValue: '1' } },
};

describe('firestore listen protocol', () => {
  let source: FakeSource;
  let call: FakeCall;
  const drain = () => call.written.splice(0).map(describeResponse);
  /** Commits are diffed on the next turn of the event loop; wait for the burst to be sent. */
  const settle = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return drain();
  };

  beforeEach(() => {
    source = new FakeSource();
    call = new FakeCall();
    handleListen(call, source);
  });

  it('sends ADD, the documents, CURRENT and a global NO_CHANGE with the read time', () => {
    source.commit({ 'c/a': { keep: 1 }, 'c/b': { keep: 0 }, 'c/a/c/x': { keep: 1 } });
    call.request(queryTarget(7, keepFilter));
    assert.deepEqual(drain(), ['ADD[7]', 'change c/a [7]', 'CURRENT[7]', 'NO_CHANGE[] @101']);
  });

  it('after commits sends changes, deletes and removes, then NO_CHANGE', async () => {
    source.commit({ 'c/a': { keep: 1 }, 'c/b': { keep: 1 } });
    call.request(queryTarget(1, keepFilter));
    drain();
    source.commit({ 'c/new': { keep: 1 }, 'c/a': { keep: 1, v: 2 }, 'c/b': { keep: 0 } });
    assert.deepEqual(await settle(), [
      'change c/new [1]',
      'change c/a [1]',
      'remove c/b',
      'NO_CHANGE[] @102',
    ]);
    source.commit({ 'c/a': undefined, 'other/z': { keep: 1 } });
    assert.deepEqual(await settle(), ['delete c/a', 'NO_CHANGE[] @103']);
    // A commit that changes nothing the client has or should have sends nothing.
    source.commit({ 'c/b': { keep: 0, v: 1 }, 'other/z': { keep: 1, v: 1 } });
    assert.deepEqual(await settle(), []);
  });

  it('coalesces a burst of commits into one diff', async () => {
    call.request(queryTarget(1, keepFilter));
    drain();
    source.commit({ 'c/a': { keep: 1 } });
    source.commit({ 'c/a': { keep: 1, v: 1 } });
    source.commit({ 'c/b': { keep: 1 } });
    assert.deepEqual(await settle(), ['change c/a [1]', 'change c/b [1]', 'NO_CHANGE[] @103']);
  });

  it('re-runs limit queries so a document that falls out is removed', async () => {
    source.commit({ 'c/b': { n: 2 }, 'c/c': { n: 3 } });
    call.request(
      queryTarget(1, undefined, {
        orderBy: [{ field: { fieldPath: 'n' }, direction: 'ASCENDING' }],
        limit: { value: 2 },
      }),
    );
    assert.deepEqual(drain().slice(1, 3), ['change c/b [1]', 'change c/c [1]']);
    source.commit({ 'c/a': { n: 1 } });
    assert.deepEqual(await settle(), ['change c/a [1]', 'remove c/c', 'NO_CHANGE[] @102']);
    // Beyond the end of a full page: nothing to send.
    source.commit({ 'c/z': { n: 10 }, 'c/c': { n: 3, v: 1 } });
    assert.deepEqual(await settle(), []);
    // A change to a document on the page is sent; one that moves it off the page removes it.
    source.commit({ 'c/b': { n: 2, v: 1 } });
    assert.deepEqual(await settle(), ['change c/b [1]', 'NO_CHANGE[] @104']);
    source.commit({ 'c/a': { n: 20 } });
    assert.deepEqual(await settle(), ['change c/c [1]', 'remove c/a', 'NO_CHANGE[] @105']);
  });

  it('re-runs a full limit query when its last document loses the ordering field', async () => {
    source.commit({ 'c/b': { n: 2 }, 'c/c': { n: 3 } });
    call.request(
      queryTarget(1, undefined, {
        orderBy: [{ field: { fieldPath: 'n' }, direction: 'ASCENDING' }],
        limit: { value: 2 },
      }),
    );
    drain();
    const errors: unknown[] = [];
    call.on('error', (e) => errors.push(e));
    // In one commit a better document arrives and the last one of the page leaves it.
    source.commit({ 'c/a': { n: 1 }, 'c/c': { v: 1 } });
    assert.deepEqual(await settle(), ['change c/a [1]', 'remove c/c', 'NO_CHANGE[] @102']);
    assert.deepEqual(errors, []);
  });

  it('document targets report existing documents only, then their changes', async () => {
    source.commit({ 'c/a': { v: 1 } });
    call.request({
      database: DB,
      addTarget: { targetId: 2, documents: { documents: [`${ROOT}/c/a`, `${ROOT}/c/missing`] } },
    });
    assert.deepEqual(drain(), ['ADD[2]', 'change c/a [2]', 'CURRENT[2]', 'NO_CHANGE[] @101']);
    source.commit({ 'c/missing': { v: 1 }, 'c/a': undefined, 'c/other': { v: 1 } });
    assert.deepEqual(await settle(), ['change c/missing [2]', 'delete c/a', 'NO_CHANGE[] @102']);
  });

  it('a resumed target is RESET and resent in full', () => {
    source.commit({ 'c/a': { keep: 1 } });
    const request = queryTarget(1, keepFilter);
    if (request.addTarget) request.addTarget.resumeToken = Buffer.from('100.000000000');
    call.request(request);
    assert.deepEqual(drain(), [
      'ADD[1]',
      'RESET[1]',
      'change c/a [1]',
      'CURRENT[1]',
      'NO_CHANGE[] @101',
    ]);
  });

  it('rejects invalid targets with REMOVE and a cause, keeping the stream open', () => {
    const bad = queryTarget(1, {
      fieldFilter: { field: { fieldPath: 'x' }, op: 'IN', value: { integerValue: '1' } },
    });
    call.request(bad);
    assert.deepEqual(drain(), [`REMOVE[1] cause=${grpc.status.INVALID_ARGUMENT}`]);
    call.request({
      database: DB,
      addTarget: { targetId: 3, documents: { documents: ['bad/name'] } },
    });
    assert.deepEqual(drain(), [`REMOVE[3] cause=${grpc.status.INVALID_ARGUMENT}`]);
    call.request({
      database: 'projects/other/databases/(default)',
      addTarget: { targetId: 4, documents: { documents: [`${ROOT}/c/a`] } },
    });
    assert.deepEqual(drain(), [`REMOVE[4] cause=${grpc.status.INVALID_ARGUMENT}`]);
    call.request(queryTarget(5));
    assert.equal(drain()[0], 'ADD[5]');
  });

  it('removeTarget stops a target; unknown ids are rejected', async () => {
    call.request(queryTarget(1));
    call.request(queryTarget(2, keepFilter));
    drain();
    call.request({ database: DB, removeTarget: 1 });
    assert.deepEqual(drain(), ['REMOVE[1]']);
    source.commit({ 'c/a': { keep: 1 } });
    assert.deepEqual(await settle(), ['change c/a [2]', 'NO_CHANGE[] @101']);
    call.request({ database: DB, removeTarget: 9 });
    assert.deepEqual(drain(), [`REMOVE[9] cause=${grpc.status.INVALID_ARGUMENT}`]);
  });

  it('assigns a target id when the client sends none', () => {
    call.request(queryTarget(1));
    call.request(queryTarget(0));
    assert.ok(drain().includes('ADD[2]'));
  });

  it('unsubscribes from the source when the client half-closes or cancels', async () => {
    assert.equal(source.listeners.size, 1);
    call.emit('end');
    assert.equal(source.listeners.size, 0);
    assert.equal(call.ended, true);

    const other = new FakeCall();
    handleListen(other, source);
    other.request(queryTarget(1));
    assert.equal(source.listeners.size, 1);
    other.cancelled = true;
    other.emit('cancelled');
    assert.equal(source.listeners.size, 0);
    const sent = other.written.length;
    source.commit({ 'c/a': { keep: 1 } });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(other.written.length, sent, 'nothing written after cancel');
  });
});
