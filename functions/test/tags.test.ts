// Tag pools, claiming, imported codes and lookups through the local stack: a pool of 10 000
// unique codes with valid check symbols, made in the background with progress; two concurrent
// assigns of one tag (one wins, one 409); scans of unassigned and assigned tags; lookup by an
// imported code; roles and other organisations refused; a pool printed as labels.
import { strict as assert } from 'node:assert';
import type { SignedIn } from 'emulator';
import { db } from '../src/data/firebase';
import { getEquipment } from '../src/data/equipment';
import { equipmentRef, tagsRef } from '../src/data/paths';
import { checkSymbol, parseTagCode } from '../src/domain/tagCodes';
import { addMember, call, createOrg, newUser } from './support/api';
import { crop, decodeAll, renderPage, requireTools, tempDir } from './support/pdfTools';
import { functionUrl } from './support/stack';
import { waitFor } from './support/wait';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtInTemplate } from '../src/domain/labels/templates';

type Pool = {
  poolId: string;
  count: number;
  status: string;
  progress: number;
  made: number;
  assigned: number;
  unassigned: number;
};
type Tag = {
  code: string;
  kind: string;
  assetId: string | null;
  poolId?: string;
  scanUrl?: string;
};

let address = 1;
async function scan(scanUrl: string) {
  const p = new URL(scanUrl).pathname.replace(/^.*\/s\//, '/s/');
  return fetch(`${functionUrl('api')}${p}`, {
    redirect: 'manual',
    headers: { 'x-forwarded-for': `203.0.113.${address++}`, accept: 'text/html' },
  });
}

describe('tag pools, claiming and lookups', function () {
  this.timeout(600_000);
  let owner: SignedIn;
  let editor: SignedIn;
  let viewer: SignedIn;
  let orgId: string;

  before(async () => {
    owner = await newUser('owner');
    editor = await newUser('editor');
    viewer = await newUser('viewer');
    orgId = await createOrg(owner);
    await addMember(orgId, owner, editor, 'editor');
    await addMember(orgId, owner, viewer, 'viewer');
    const writer = db().bulkWriter();
    for (const id of ['cam-1', 'cam-2', 'lens-1']) {
      void writer.set(equipmentRef(orgId).doc(id), { name: `Item ${id}`, category: 'CAMERA' });
    }
    await writer.close();
  });

  async function readyPool(count: number, token = editor.idToken): Promise<Pool> {
    const r = await call<Pool>('POST', `/v1/orgs/${orgId}/tag-pools`, {
      token,
      body: { count, name: 'Shelf A' },
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.status, 'pending');
    return waitFor(
      async () => {
        const p = await call<Pool>('GET', `/v1/orgs/${orgId}/tag-pools/${r.body.poolId}`, {
          token: viewer.idToken,
        });
        return p.body.status === 'ready' ? p.body : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 250 },
    );
  }

  async function poolTags(poolId: string): Promise<Tag[]> {
    const snap = await tagsRef(orgId).where('poolId', '==', poolId).get();
    return snap.docs.map((d) => d.data() as Tag);
  }

  it('a pool of 10 000 tags: 202, background progress, unique codes with valid check symbols', async () => {
    const r = await call<Pool>('POST', `/v1/orgs/${orgId}/tag-pools`, {
      token: editor.idToken,
      body: { count: 10_000 },
    });
    assert.equal(r.status, 202);
    const seen = new Set<number>();
    const pool = await waitFor(
      async () => {
        const p = await call<Pool>('GET', `/v1/orgs/${orgId}/tag-pools/${r.body.poolId}`, {
          token: viewer.idToken,
        });
        assert.equal(p.status, 200);
        seen.add(p.body.progress);
        return p.body.status === 'ready' ? p.body : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 200 },
    );
    assert.deepEqual(
      [pool.count, pool.made, pool.progress, pool.assigned, pool.unassigned],
      [10_000, 10_000, 100, 0, 10_000],
    );
    assert.ok(seen.size >= 2, `progress was reported on the way (${[...seen].join(', ')})`);
    const tags = await poolTags(r.body.poolId);
    assert.equal(tags.length, 10_000);
    const codes = new Set(tags.map((t) => t.code));
    assert.equal(codes.size, 10_000, 'codes are unique');
    for (const t of tags) {
      assert.match(t.code, /^[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3}$/);
      const canonical = t.code.replace(/-/g, '');
      assert.equal(
        checkSymbol(canonical.slice(0, 8)),
        canonical[8],
        `${t.code} has a valid check symbol`,
      );
      assert.equal(parseTagCode(t.code), canonical);
      assert.equal(t.assetId, null);
    }
    const tokens = new Set(tags.map((t) => t.scanUrl));
    assert.equal(tokens.size, 10_000, 'each tag has its own scan URL');
  });

  it('two concurrent assigns of one tag: one wins, the other gets 409', async () => {
    const pool = await readyPool(3);
    const [tag] = await poolTags(pool.poolId);
    const replies = await Promise.all(
      ['cam-1', 'cam-2'].map((assetId) =>
        call<Tag>('POST', `/v1/orgs/${orgId}/tags/${tag.code}/assign`, {
          token: editor.idToken,
          body: { assetId },
        }),
      ),
    );
    const statuses = replies.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 409], JSON.stringify(replies.map((r) => r.body)));
    const winner = replies.find((r) => r.status === 201)!.body.assetId;
    const stored = (await tagsRef(orgId).doc(tag.code.replace(/-/g, '')).get()).data()!;
    assert.equal(stored.assetId, winner);
    // Assigning again to the same item is no change (200); the item lists the tag.
    const again = await call<Tag>(
      'POST',
      `/v1/orgs/${orgId}/tags/${tag.code.toLowerCase()}/assign`,
      {
        token: editor.idToken,
        body: { assetId: winner },
      },
    );
    assert.equal(again.status, 200);
    const listed = await call<{ tags: Tag[] }>(
      'GET',
      `/v1/orgs/${orgId}/equipment/${winner}/tags`,
      {
        token: viewer.idToken,
      },
    );
    assert.deepEqual(
      listed.body.tags.map((t) => t.code),
      [tag.code],
    );
    const counts = await call<Pool>('GET', `/v1/orgs/${orgId}/tag-pools/${pool.poolId}`, {
      token: viewer.idToken,
    });
    assert.deepEqual([counts.body.assigned, counts.body.unassigned], [1, 2]);
    // Unassign, then the other item may have it.
    const del = await call('DELETE', `/v1/orgs/${orgId}/tags/${tag.code}/assign`, {
      token: editor.idToken,
    });
    assert.equal(del.status, 204);
    const other = winner === 'cam-1' ? 'cam-2' : 'cam-1';
    const moved = await call<Tag>('POST', `/v1/orgs/${orgId}/tags/${tag.code}/assign`, {
      token: editor.idToken,
      body: { assetId: other },
    });
    assert.equal(moved.status, 201);
    assert.equal(moved.body.assetId, other);
    const missing = await call('POST', `/v1/orgs/${orgId}/tags/${tag.code}/assign`, {
      token: editor.idToken,
      body: { assetId: 'no-such-item' },
    });
    assert.equal(missing.status, 404);
    const unknown = await call('POST', `/v1/orgs/${orgId}/tags/ZZZ-ZZZ-ZZZ/assign`, {
      token: editor.idToken,
      body: { assetId: 'cam-1' },
    });
    assert.equal(unknown.status, 404);
  });

  it('scans: an unassigned tag says so (or opens the organisation’s app with the code); an assigned one is its item', async () => {
    const pool = await readyPool(2);
    const [a, b] = await poolTags(pool.poolId);
    const page = await scan(a.scanUrl!);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /not linked to an item yet/);
    assert.ok(html.includes(a.code));

    const patch = await call('PATCH', `/v1/orgs/${orgId}`, {
      token: owner.idToken,
      body: { assetUrlTemplate: 'https://app.example.com/assets/{assetId}' },
    });
    assert.equal(patch.status, 200, JSON.stringify(patch.body));
    const redirect = await scan(a.scanUrl!);
    assert.equal(redirect.status, 302);
    assert.equal(
      redirect.headers.get('location'),
      `https://app.example.com/assets/?tagCode=${a.code}`,
    );

    await call('POST', `/v1/orgs/${orgId}/tags/${b.code}/assign`, {
      token: editor.idToken,
      body: { assetId: 'lens-1' },
    });
    const before = await scanTotal('lens-1');
    const assigned = await scan(b.scanUrl!);
    assert.equal(assigned.status, 302);
    assert.equal(assigned.headers.get('location'), 'https://app.example.com/assets/lens-1');
    assert.equal(await scanTotal('lens-1'), before + 1, 'the scan counts for the item');

    await call('PATCH', `/v1/orgs/${orgId}`, {
      token: owner.idToken,
      body: { assetUrlTemplate: null },
    });
    const itemPage = await scan(b.scanUrl!);
    assert.equal(itemPage.status, 200);
    assert.match(await itemPage.text(), /Item lens-1/);
  });

  async function scanTotal(assetId: string): Promise<number> {
    const snap = await equipmentRef(orgId).doc(assetId).collection('scanDays').get();
    return snap.docs.reduce((sum, d) => sum + Number(d.get('scans') ?? 0), 0);
  }

  it('imports codes printed elsewhere and finds their item by any code in one read', async () => {
    const r = await call<{
      imported: number;
      unchanged: number;
      rejected: Array<{ index: number; message: string }>;
    }>('POST', `/v1/orgs/${orgId}/tags/import`, {
      token: editor.idToken,
      body: {
        codes: [
          { code: 'SN 12/345-ÄB', assetId: 'cam-1' },
          { code: '0012345678905', assetId: 'lens-1' },
          { code: 'LOOSE-LABEL-7' },
          { code: 'BAD-ITEM', assetId: 'nope' },
          { code: '' },
        ],
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.imported, 3);
    assert.deepEqual(
      r.body.rejected.map((x) => x.index),
      [3, 4],
    );
    const found = await call<Tag>(
      'GET',
      `/v1/orgs/${orgId}/lookup?code=${encodeURIComponent('SN 12/345-ÄB')}`,
      {
        token: viewer.idToken,
      },
    );
    assert.equal(found.status, 200);
    assert.deepEqual(found.body, { code: 'SN 12/345-ÄB', kind: 'imported', assetId: 'cam-1' });
    const loose = await call<Tag>('GET', `/v1/orgs/${orgId}/lookup?code=LOOSE-LABEL-7`, {
      token: viewer.idToken,
    });
    assert.equal(loose.body.assetId, null);
    // The same import again changes nothing; a code on another item is reported.
    const again = await call<{ imported: number; unchanged: number; rejected: unknown[] }>(
      'POST',
      `/v1/orgs/${orgId}/tags/import`,
      {
        token: editor.idToken,
        body: {
          codes: [
            { code: '0012345678905', assetId: 'lens-1' },
            { code: 'SN 12/345-ÄB', assetId: 'cam-2' },
          ],
        },
      },
    );
    assert.deepEqual(
      [again.body.imported, again.body.unchanged, again.body.rejected.length],
      [0, 1, 1],
    );
    // A pool tag is found by its code typed loosely (lower case, no hyphens).
    const pool = await readyPool(1);
    const [tag] = await poolTags(pool.poolId);
    const typed = tag.code.replace(/-/g, '').toLowerCase();
    const byTag = await call<Tag>('GET', `/v1/orgs/${orgId}/lookup?code=${typed}`, {
      token: viewer.idToken,
    });
    assert.equal(byTag.status, 200);
    assert.equal(byTag.body.code, tag.code);
    assert.equal(
      (await call('GET', `/v1/orgs/${orgId}/lookup?code=unknown-code`, { token: viewer.idToken }))
        .status,
      404,
    );
    assert.equal(
      (await call('GET', `/v1/orgs/${orgId}/lookup`, { token: viewer.idToken })).status,
      400,
    );
  });

  it('GET /equipment/{assetId} lists the codes of the tags assigned to the item', async () => {
    await equipmentRef(orgId).doc('kit-1').set({ name: 'Item kit-1', category: 'CAMERA' });
    const item = () =>
      call<Record<string, unknown> & { tags: string[] }>(
        'GET',
        `/v1/orgs/${orgId}/equipment/kit-1`,
        { token: viewer.idToken },
      );
    const withoutTags = (body: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'tags'));
    // The QR trigger fills in the item's code fields: compare once it is done.
    await waitFor(async () => (await getEquipment(orgId, 'kit-1')).qrStatus === 'ready', {
      timeoutMs: 60_000,
    });
    const bare = await item();
    assert.equal(bare.status, 200);
    assert.deepEqual(bare.body.tags, []);
    // Every other field is what the item had before the list was added.
    const fields = withoutTags(bare.body);
    assert.deepEqual(fields, JSON.parse(JSON.stringify(await getEquipment(orgId, 'kit-1'))));
    const pool = await readyPool(1);
    const [tag] = await poolTags(pool.poolId);
    const assigned = await call('POST', `/v1/orgs/${orgId}/tags/${tag.code}/assign`, {
      token: editor.idToken,
      body: { assetId: 'kit-1' },
    });
    assert.equal(assigned.status, 201);
    const imported = await call<{ imported: number }>('POST', `/v1/orgs/${orgId}/tags/import`, {
      token: editor.idToken,
      body: { codes: [{ code: 'KIT-SERIAL-9', assetId: 'kit-1' }] },
    });
    assert.equal(imported.body.imported, 1);
    const both = await item();
    assert.deepEqual(both.body.tags, [tag.code, 'KIT-SERIAL-9'].sort());
    assert.deepEqual(withoutTags(both.body), fields);
    const del = await call('DELETE', `/v1/orgs/${orgId}/tags/${tag.code}/assign`, {
      token: editor.idToken,
    });
    assert.equal(del.status, 204);
    assert.deepEqual((await item()).body.tags, ['KIT-SERIAL-9']);
  });

  it('roles and other organisations are refused', async () => {
    const pool = await readyPool(1);
    const [tag] = await poolTags(pool.poolId);
    assert.equal(
      (
        await call('POST', `/v1/orgs/${orgId}/tag-pools`, {
          token: viewer.idToken,
          body: { count: 1 },
        })
      ).status,
      403,
    );
    assert.equal(
      (
        await call('POST', `/v1/orgs/${orgId}/tags/${tag.code}/assign`, {
          token: viewer.idToken,
          body: { assetId: 'cam-1' },
        })
      ).status,
      403,
    );
    assert.equal(
      (
        await call('POST', `/v1/orgs/${orgId}/tags/import`, {
          token: viewer.idToken,
          body: { codes: [{ code: 'X' }] },
        })
      ).status,
      403,
    );
    assert.equal(
      (
        await call('POST', `/v1/orgs/${orgId}/tag-pools`, {
          token: editor.idToken,
          body: { count: 10_001 },
        })
      ).status,
      400,
    );
    const outsider = await newUser('outsider');
    const otherOrg = await createOrg(outsider);
    for (const [method, p, body] of [
      ['GET', `/v1/orgs/${orgId}/tag-pools/${pool.poolId}`, undefined],
      ['GET', `/v1/orgs/${orgId}/lookup?code=${tag.code}`, undefined],
      ['POST', `/v1/orgs/${orgId}/tags/${tag.code}/assign`, { assetId: 'cam-1' }],
    ] as const) {
      assert.equal((await call(method, p, { token: outsider.idToken, body })).status, 403, p);
    }
    // From their own organisation, this organisation's tags and pools do not exist.
    assert.equal(
      (
        await call('GET', `/v1/orgs/${otherOrg}/lookup?code=${tag.code}`, {
          token: outsider.idToken,
        })
      ).status,
      404,
    );
    assert.equal(
      (
        await call('GET', `/v1/orgs/${otherOrg}/tag-pools/${pool.poolId}`, {
          token: outsider.idToken,
        })
      ).status,
      404,
    );
    const writer = db().bulkWriter();
    void writer.set(equipmentRef(otherOrg).doc('cam-1'), { name: 'Theirs', category: 'CAMERA' });
    await writer.close();
    assert.equal(
      (
        await call('POST', `/v1/orgs/${otherOrg}/tags/${tag.code}/assign`, {
          token: outsider.idToken,
          body: { assetId: 'cam-1' },
        })
      ).status,
      404,
    );
  });

  it('a ready pool prints as labels whose codes scan to the tags’ URLs, in pool order', async () => {
    await requireTools();
    const pool = await readyPool(14);
    const res = await fetch(`${functionUrl('api')}/v1/orgs/${orgId}/labels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewer.idToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tagPoolId: pool.poolId, template: 'avery-l7163' }),
    });
    assert.equal(res.status, 200);
    const file = path.join(tempDir('pool'), 'pool.pdf');
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const snap = await tagsRef(orgId).where('poolId', '==', pool.poolId).orderBy('seq').get();
    const urls = snap.docs.map((d) => String(d.get('scanUrl')));
    const t = builtInTemplate('avery-l7163')!;
    const image = await renderPage(file, 1, 300);
    const k = 300 / 25.4;
    const cells = urls.map((_, slot) =>
      crop(image, {
        x: (t.marginLeftMm + (slot % 2) * t.pitchXMm) * k,
        y: (t.marginTopMm + Math.floor(slot / 2) * t.pitchYMm) * k,
        width: t.labelWidthMm * k,
        height: t.labelHeightMm * k,
      }),
    );
    const decoded = await decodeAll(cells);
    assert.deepEqual(
      decoded,
      urls.map((u) => [u]),
    );
  });
});
