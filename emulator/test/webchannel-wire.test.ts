// The WebChannel wire (transports/webchannel/) with plain fetch, message by message as the
// protocol section of emulator/src/firestore/README.md describes it: the handshake, chunks,
// forward POSTs with count/ofs/reqN___data__, back channels by AID, retried maps, errors as
// arrays, Unknown SID, CORS, terminate, and the Authorization the init headers carry. The
// browser's own client is in webchannel.test.ts.
import { strict as assert } from 'node:assert';
import { FirestoreEmulator } from '../src/firestore/server';
import type { CommitEvent } from '../src/firestore/events';

const PROJECT = 'demo-webchannel-wire';
const DB = `projects/${PROJECT}/databases/(default)`;
const ORIGIN = 'http://127.0.0.1:1234';

/** Splits a body into its length-prefixed chunks (UTF-16 lengths) and parses each. */
function chunks(body: string): unknown[] {
  const out: unknown[] = [];
  let at = 0;
  while (at < body.length) {
    const nl = body.indexOf('\n', at);
    assert.ok(nl > at, `a length line at ${at} in ${JSON.stringify(body)}`);
    const size = Number(body.slice(at, nl));
    assert.ok(Number.isInteger(size), `length ${body.slice(at, nl)}`);
    out.push(JSON.parse(body.slice(nl + 1, nl + 1 + size)));
    at = nl + 1 + size;
  }
  return out;
}

type Arrays = [number, unknown[]][];

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function maps(ofs: number, messages: unknown[]): Record<string, string> {
  const out: Record<string, string> = { count: String(messages.length), ofs: String(ofs) };
  messages.forEach((m, i) => (out[`req${i}___data__`] = JSON.stringify(m)));
  return out;
}

describe('firestore WebChannel wire', function () {
  this.timeout(20_000);
  let server: FirestoreEmulator;
  let base: string;
  const commits: CommitEvent[] = [];

  before(async () => {
    server = new FirestoreEmulator({
      projectId: PROJECT,
      webChannel: { keepAliveMs: 300 },
      log: () => undefined,
    });
    const port = await server.listen('127.0.0.1', 0);
    base = `http://127.0.0.1:${port}/google.firestore.v1.Firestore`;
    server.onCommit((e) => commits.push(e));
  });

  after(() => server?.close());

  interface Session {
    url: string;
    sid: string;
    gsessionid: string;
  }

  /** Creates a session as the SDK does; resolves with it and the raw handshake reply. */
  async function open(
    method: 'Listen' | 'Write',
    messages: unknown[],
    headerBlock = 'Content-Type:text/plain\r\n',
  ): Promise<{ session: Session; res: Response; body: string }> {
    const url = `${base}/${method}/channel?VER=8&database=${encodeURIComponent(DB)}`;
    const res = await fetch(`${url}&RID=1234&CVER=22&X-HTTP-Session-Id=gsessionid&zx=abc&t=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: `headers=${encodeURIComponent(headerBlock)}&${form(maps(0, messages))}`,
    });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    const [arrays] = chunks(body) as [Arrays];
    const [id, payload] = arrays[0];
    assert.equal(id, 0);
    assert.equal(payload[0], 'c');
    const gsessionid = res.headers.get('x-http-session-id') ?? '';
    return { session: { url, sid: String(payload[1]), gsessionid }, res, body };
  }

  async function backChannel(s: Session, aid: number): Promise<Arrays> {
    const res = await fetch(
      `${s.url}&gsessionid=${s.gsessionid}&RID=rpc&SID=${s.sid}&AID=${aid}&CI=1&TYPE=xmlhttp&zx=q&t=1`,
      { headers: { origin: ORIGIN } },
    );
    const body = await res.text();
    assert.equal(res.status, 200, body);
    return (chunks(body) as Arrays[]).flat();
  }

  /** Long-polls until an array other than a noop arrives; resolves with all arrays seen. */
  async function nextReplies(s: Session, aid: number): Promise<Arrays> {
    for (let i = 0; i < 20; i++) {
      const arrays = await backChannel(s, aid);
      const real = arrays.filter(([, p]) => p[0] !== 'noop');
      if (real.length > 0) return real;
      aid = arrays[arrays.length - 1][0];
    }
    throw new Error('no reply on the back channel');
  }

  async function post(s: Session, rid: number, aid: number, body: Record<string, string>) {
    const res = await fetch(
      `${s.url}&gsessionid=${s.gsessionid}&SID=${s.sid}&RID=${rid}&AID=${aid}&zx=p&t=1`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
        body: form(body),
      },
    );
    return { status: res.status, body: await res.text() };
  }

  it('creates a session: the "c" array, X-HTTP-Session-Id and CORS headers', async () => {
    const { session, res, body } = await open('Listen', []);
    assert.match(body, /^\d+\n\[\[0,\["c","[^"]+","",8,12,300\]\]\]$/);
    assert.ok(session.gsessionid.length > 0);
    assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /X-HTTP-Session-Id/);
  });

  it('carries a Listen stream: proto3 JSON in, proto3 JSON out, by array id', async () => {
    const name = `${DB}/documents/wire/listen`;
    const { session } = await open('Listen', [
      { database: DB, addTarget: { targetId: 2, documents: { documents: [name] } } },
    ]);
    const replies = await nextReplies(session, 0);
    const messages = replies.map(([, p]) => p[0] as Record<string, Record<string, unknown>>);
    const ids = replies.map(([id]) => id);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
      'array ids ascend',
    );
    assert.equal(messages[0].targetChange.targetChangeType, 'ADD');
    const current = messages.find((m) => m.targetChange?.targetChangeType === 'CURRENT');
    assert.ok(current, JSON.stringify(messages));
    assert.equal(typeof current.targetChange.resumeToken, 'string', 'bytes as base64');
    // The global NO_CHANGE (no target ids) carries the read time.
    const noChange = messages.find(
      (m) =>
        (m.targetChange?.targetChangeType ?? 'NO_CHANGE') === 'NO_CHANGE' &&
        !m.targetChange?.targetIds,
    );
    assert.ok(noChange, JSON.stringify(messages));
    assert.match(String(noChange.targetChange.readTime), /^\d{4}-\d\d-\d\dT[\d:.]+Z$/, 'RFC 3339');
    // The same arrays again for a back channel that did not acknowledge them.
    const again = await backChannel(session, 0);
    assert.deepEqual(again.slice(0, replies.length), replies);
  });

  it('a Write channel applies each map once, even when a POST is retried', async () => {
    const { session } = await open('Write', [{ database: DB }]);
    const [[hsId, [handshake]]] = await nextReplies(session, 0);
    const token = (handshake as { streamToken: string }).streamToken;
    assert.equal(typeof token, 'string');
    const write = {
      streamToken: token,
      writes: [
        {
          update: {
            name: `${DB}/documents/wire/w1`,
            fields: {
              n: { integerValue: '9007199254740993' },
              t: { timestampValue: '2024-01-02T03:04:05.123456Z' },
            },
          },
        },
      ],
    };
    const before = commits.length;
    const first = await post(session, 1235, hsId, maps(1, [write]));
    assert.equal(first.status, 200);
    const [reply] = chunks(first.body) as [number[]];
    assert.equal(reply.length, 3);
    assert.equal(reply[0], 1);
    // The same RID and maps again (the client's retry of a POST it saw no answer to).
    assert.equal((await post(session, 1235, hsId, maps(1, [write]))).status, 200);
    const [[, [result]]] = await nextReplies(session, hsId);
    const r = result as { writeResults: unknown[]; commitTime: string; streamToken: string };
    assert.equal(r.writeResults.length, 1);
    assert.match(r.commitTime, /Z$/);
    assert.equal(commits.length - before, 1, 'one commit for the retried map');
    const change = commits[commits.length - 1].changes[0];
    assert.deepEqual(change.after?.fields?.n, { integerValue: '9007199254740993' });
  });

  it('a message that does not decode fails the stream with an error array', async () => {
    const { session } = await open('Listen', [{ database: DB, addTarget: { nonsense: true } }]);
    const replies = await nextReplies(session, 0);
    const err = replies[0][1][0] as { error: { code: number; status: string; message: string } };
    assert.equal(err.error.status, 'INVALID_ARGUMENT');
    assert.equal(err.error.code, 400);
    assert.match(err.error.message, /nonsense/);
  });

  it('answers an unknown session with 400 "Unknown SID" (past the first character)', async () => {
    const res = await fetch(
      `${base}/Listen/channel?VER=8&RID=rpc&SID=nope&AID=0&CI=1&TYPE=xmlhttp`,
    );
    const body = await res.text();
    assert.equal(res.status, 400);
    assert.ok(body.indexOf('Unknown SID') > 0, body);
  });

  it('refuses a malformed forward body and a wrong version with 400', async () => {
    const url = `${base}/Listen/channel?VER=8&RID=1&database=${encodeURIComponent(DB)}`;
    const bad = await fetch(url, { method: 'POST', body: 'count=2&ofs=0&req0___data__=%7B%7D' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /req1 missing/);
    const notJson = await fetch(url, { method: 'POST', body: 'count=1&ofs=0&req0___data__=%7B' });
    assert.equal(notJson.status, 400);
    const v7 = await fetch(url.replace('VER=8', 'VER=7'), { method: 'POST', body: 'count=0' });
    assert.equal(v7.status, 400);
    assert.match(await v7.text(), /VER=7/);
    const unknown = await fetch(`${base}/Commit/channel?VER=8`, { method: 'POST', body: '' });
    assert.equal(unknown.status, 404);
  });

  it('answers a CORS preflight', async () => {
    const res = await fetch(`${base}/Write/channel?VER=8`, {
      method: 'OPTIONS',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-goog-api-client',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.equal(res.headers.get('access-control-allow-headers'), 'x-goog-api-client');
  });

  it('TYPE=terminate ends the session', async () => {
    const { session } = await open('Listen', []);
    const count = server.webChannel.sessionCount;
    const res = await fetch(
      `${session.url}&gsessionid=${session.gsessionid}&SID=${session.sid}&RID=9&TYPE=terminate`,
    );
    assert.equal(res.status, 200);
    assert.equal(server.webChannel.sessionCount, count - 1);
    const after = await fetch(`${session.url}&RID=rpc&SID=${session.sid}&AID=0&CI=1&TYPE=xmlhttp`);
    assert.equal(after.status, 400);
  });

  describe('limits (a server of its own with tiny ones)', () => {
    let small: FirestoreEmulator;
    let smallBase: string;
    before(async () => {
      small = new FirestoreEmulator({
        projectId: PROJECT,
        webChannel: { keepAliveMs: 60_000, idleMs: 300, backChannelChars: 50 },
        log: () => undefined,
      });
      smallBase = `http://127.0.0.1:${await small.listen('127.0.0.1', 0)}/google.firestore.v1.Firestore`;
    });
    after(() => small?.close());

    async function openOn(messages: unknown[]): Promise<Session> {
      const url = `${smallBase}/Listen/channel?VER=8&database=${encodeURIComponent(DB)}`;
      const res = await fetch(`${url}&RID=1&CVER=22`, {
        method: 'POST',
        body: form(maps(0, messages)),
      });
      const [[[, c]]] = chunks(await res.text()) as [Arrays];
      return { url, sid: String(c[1]), gsessionid: res.headers.get('x-http-session-id') ?? '' };
    }

    it('ends a streaming back channel past its size; the next one resumes after its AID', async () => {
      const docs = [1, 2, 3].map((i) => `${DB}/documents/wire/rot${i}`);
      const s = await openOn([
        { database: DB, addTarget: { targetId: 2, documents: { documents: docs } } },
      ]);
      const stream = async (aid: number): Promise<Arrays> => {
        // CI=0: a streaming back channel, which this server ends after 50 characters.
        const res = await fetch(
          `${s.url}&gsessionid=${s.gsessionid}&RID=rpc&SID=${s.sid}&AID=${aid}&CI=0&TYPE=xmlhttp`,
        );
        return (chunks(await res.text()) as Arrays[]).flat();
      };
      const seen: Arrays = [];
      let aid = 0;
      for (let i = 0; i < 10 && !JSON.stringify(seen).includes('"NO_CHANGE"'); i++) {
        const arrays = await stream(aid);
        assert.ok(arrays.length > 0);
        seen.push(...arrays);
        aid = arrays[arrays.length - 1][0];
      }
      const ids = seen.map(([id]) => id);
      assert.deepEqual(
        ids,
        Array.from({ length: ids.length }, (_, i) => i + 1),
        'each array once, in order',
      );
      assert.ok(JSON.stringify(seen).includes('CURRENT'));
    });

    it('ends a session nobody polls', async () => {
      await openOn([]);
      const deadline = Date.now() + 10_000;
      while (small.webChannel.sessionCount > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(small.webChannel.sessionCount, 0);
    });
  });

  describe('with rules: the Authorization of the init headers or $httpHeaders', () => {
    const name = `${DB}/documents/private/doc`;
    const listen = { database: DB, addTarget: { targetId: 4, documents: { documents: [name] } } };
    before(() =>
      server.rules.load(
        `rules_version = '2';
service cloud.firestore { match /databases/{db}/documents { match /{d=**} { allow read, write: if false; } } }`,
        'deny.rules',
      ),
    );

    it('refuses a caller without a token, lets the admin token through', async () => {
      const anon = await open('Listen', [listen]);
      const refused = (await nextReplies(anon.session, 0)).map(([, p]) => p[0]);
      assert.ok(
        refused.some(
          (m) =>
            JSON.stringify(m).includes('PERMISSION_DENIED') ||
            JSON.stringify(m).includes('"code":7'),
        ),
        JSON.stringify(refused),
      );
      const owner = await open('Listen', [listen], 'Authorization:Bearer owner\r\n');
      const allowed = (await nextReplies(owner.session, 0)).map(([, p]) => p[0]);
      assert.ok(
        allowed.some((m) => JSON.stringify(m).includes('CURRENT')),
        JSON.stringify(allowed),
      );
      // The same token in the $httpHeaders URL parameter (closure's httpHeadersOverwriteParam).
      const url = `${base}/Listen/channel?VER=8&database=${encodeURIComponent(DB)}&$httpHeaders=${encodeURIComponent('Authorization:Bearer owner\r\n')}`;
      const res = await fetch(`${url}&RID=1&CVER=22`, {
        method: 'POST',
        body: form(maps(0, [listen])),
      });
      const [[[, c]]] = chunks(await res.text()) as [Arrays];
      const viaParam = {
        url,
        sid: String(c[1]),
        gsessionid: res.headers.get('x-http-session-id') ?? '',
      };
      const viaParamReplies = (await nextReplies(viaParam, 0)).map(([, p]) => p[0]);
      assert.ok(
        JSON.stringify(viaParamReplies).includes('CURRENT'),
        JSON.stringify(viaParamReplies),
      );
    });
  });
});
