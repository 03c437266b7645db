// The functions host's pure parts: path patterns, schedules, dotenv, event shapes.

import { strict as assert } from 'node:assert';
import { parseDotenv } from '../src/functions/env';
import {
  buildFirestoreEvent,
  kindsOf,
  parseFirestoreEventType,
} from '../src/functions/firestoreEvents';
import { compilePathPattern, parseDocumentName } from '../src/functions/pathPattern';
import { parseSchedule } from '../src/functions/schedule';

describe('functions host: path patterns', () => {
  it('captures single segments and requires the same length', () => {
    const m = compilePathPattern('assets/{assetId}/events/{eventId}');
    assert.deepEqual(m('assets/a/events/e'), { assetId: 'a', eventId: 'e' });
    assert.equal(m('assets/a'), undefined);
    assert.equal(m('assets/a/events/e/x/y'), undefined);
    assert.equal(m('other/a/events/e'), undefined);
  });

  it('captures any number of segments with {name=**}, also in the middle', () => {
    assert.deepEqual(compilePathPattern('a/{rest=**}')('a/b/c/d'), { rest: 'b/c/d' });
    assert.deepEqual(compilePathPattern('{p=**}/items/{id}')('x/y/items/i'), { p: 'x/y', id: 'i' });
    assert.deepEqual(compilePathPattern('a/*/c/**')('a/b/c/d/e/f'), {});
    assert.deepEqual(compilePathPattern('users/u1')('users/u1'), {});
    assert.equal(compilePathPattern('users/u1')('users/u2'), undefined);
  });

  it('splits document resource names', () => {
    assert.deepEqual(parseDocumentName('projects/p/databases/(default)/documents/a/b/c/d'), {
      projectId: 'p',
      databaseId: '(default)',
      documentPath: 'a/b/c/d',
    });
    assert.equal(parseDocumentName('projects/p/databases/d'), undefined);
  });
});

describe('functions host: schedules', () => {
  const at = new Date('2026-03-10T10:07:30Z');

  it('runs `every N minutes` and `every N hours` on round times', () => {
    assert.equal(
      parseSchedule('every 5 minutes').next(at).toISOString(),
      '2026-03-10T10:10:00.000Z',
    );
    assert.equal(parseSchedule('every 1 hours').next(at).toISOString(), '2026-03-10T11:00:00.000Z');
    assert.equal(parseSchedule('every 2 hours').next(at).toISOString(), '2026-03-10T12:00:00.000Z');
  });

  it('reads cron in the given time zone', () => {
    // 03:00 in Berlin on 11 March (CET, UTC+1) is 02:00 UTC.
    const next = parseSchedule('0 3 * * *', 'Europe/Berlin').next(at);
    assert.equal(next.toISOString(), '2026-03-11T02:00:00.000Z');
    assert.equal(parseSchedule('*/15 * * * *').next(at).toISOString(), '2026-03-10T10:15:00.000Z');
  });

  it('reads `every day HH:MM` and `every monday HH:MM`', () => {
    assert.equal(
      parseSchedule('every day 09:30').next(at).toISOString(),
      '2026-03-11T09:30:00.000Z',
    );
    // 10 March 2026 is a Tuesday.
    assert.equal(
      parseSchedule('every monday 08:00').next(at).toISOString(),
      '2026-03-16T08:00:00.000Z',
    );
  });

  it('rejects what it cannot read', () => {
    assert.throws(() => parseSchedule('whenever you like'));
    assert.throws(() => parseSchedule('every 0 minutes'));
  });
});

describe('functions host: dotenv', () => {
  it('parses the forms the Firebase CLI accepts', () => {
    const env = parseDotenv(
      [
        '# comment',
        'A=1',
        'export B = two words ',
        'C="quoted # not a comment\\nnext line"',
        "D='single $raw'",
        'E=value # trailing comment',
        'not a line',
      ].join('\n'),
    );
    assert.deepEqual(env, {
      A: '1',
      B: 'two words',
      C: 'quoted # not a comment\nnext line',
      D: 'single $raw',
      E: 'value',
    });
  });
});

describe('functions host: Firestore CloudEvents', () => {
  const before = {
    name: 'projects/p/databases/(default)/documents/a/1',
    fields: { x: { integerValue: '1' }, m: { mapValue: { fields: { a: { nullValue: null } } } } },
    createTime: '2026-01-01T00:00:00Z',
    updateTime: '2026-01-01T00:00:00Z',
  } as const;
  const after = {
    ...before,
    fields: { x: { integerValue: '2' }, m: before.fields.m, 'odd name': { booleanValue: true } },
    updateTime: '2026-01-01T00:00:01Z',
  };

  it('knows the event types and which ones a change fires', () => {
    assert.deepEqual(parseFirestoreEventType('google.cloud.firestore.document.v1.written'), {
      kind: 'written',
      withAuthContext: false,
    });
    assert.deepEqual(
      parseFirestoreEventType('google.cloud.firestore.document.v1.deleted.withAuthContext'),
      { kind: 'deleted', withAuthContext: true },
    );
    assert.equal(
      parseFirestoreEventType('google.cloud.pubsub.topic.v1.messagePublished'),
      undefined,
    );
    assert.deepEqual(kindsOf({ name: before.name, after }), ['created', 'written']);
    assert.deepEqual(kindsOf({ name: before.name, before, after }), ['updated', 'written']);
    assert.deepEqual(kindsOf({ name: before.name, before }), ['deleted', 'written']);
  });

  it('builds the JSON CloudEvent with Firestore attributes and an update mask', () => {
    const e = buildFirestoreEvent(
      'google.cloud.firestore.document.v1.updated',
      { name: before.name, before, after },
      {
        projectId: 'p',
        databaseId: '(default)',
        documentPath: 'a/1',
        region: 'r',
        commitTime: 't',
        id: 'i',
      },
    );
    assert.equal(e.datacontenttype, 'application/json');
    assert.equal(e.source, '//firestore.googleapis.com/projects/p/databases/(default)');
    assert.equal(e.subject, 'documents/a/1');
    assert.equal(e.document, 'a/1');
    assert.equal(e.id, 'i');
    assert.equal(e.data.value, after);
    assert.equal(e.data.oldValue, before);
    assert.deepEqual(e.data.updateMask, { fieldPaths: ['`odd name`', 'x'] });
    assert.equal(e.authtype, undefined);
  });
});
