// The pure parts of a scan record: device, referrer host, language, country, visitor ids, the
// window's verdict and its plain words, and the analytics fold.
import { strict as assert } from 'node:assert';
import { analyticsFolder, analyticsWindow } from '../src/domain/analytics';
import {
  buildScanRecord,
  countryOf,
  deviceOf,
  firstLanguage,
  referrerHostOf,
  visitorId,
} from '../src/domain/scanRecords';
import { notYetValidMessage, plainDate, windowVerdict } from '../src/domain/scanWindows';
import { AGENTS } from './support/scanAgents';

const at = (iso: string) => new Date(iso);

describe('domain/scanRecords', () => {
  it('device family, OS and browser, and nothing else of the agent', () => {
    assert.deepEqual(deviceOf(AGENTS.iphone, false), {
      family: 'mobile',
      os: 'iOS',
      browser: 'Mobile Safari',
    });
    assert.deepEqual(deviceOf(AGENTS.android, false), {
      family: 'mobile',
      os: 'Android',
      browser: 'Chrome',
    });
    const desktop = deviceOf(
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
      false,
    );
    assert.deepEqual(desktop, { family: 'desktop', os: 'Windows', browser: 'Chrome' });
    assert.equal(deviceOf(AGENTS.slack, true).family, 'bot');
    assert.deepEqual(deviceOf(undefined, true), { family: 'bot', os: null, browser: null });
  });

  it('referrer host only, first language, a two-letter country', () => {
    assert.equal(referrerHostOf('https://News.Example.org/a/b?token=secret#x'), 'news.example.org');
    assert.equal(referrerHostOf('android-app://com.google.android.gm/'), null);
    assert.equal(referrerHostOf('not a url'), null);
    assert.equal(referrerHostOf(undefined), null);
    assert.equal(firstLanguage('de-CH,de;q=0.9,en;q=0.8'), 'de-CH');
    assert.equal(firstLanguage('*'), null);
    assert.equal(firstLanguage('<script>'), null);
    assert.equal(firstLanguage(undefined), null);
    assert.equal(countryOf('ch'), 'CH');
    assert.equal(countryOf('XX'), null, 'unknown');
    assert.equal(countryOf('Switzerland'), null);
  });

  it('a visitor id is one person within one day, and says nothing of the address', () => {
    const a = visitorId('s', '2026-12-08', '203.0.113.9', AGENTS.iphone);
    assert.match(a, /^[0-9a-f]{16}$/);
    assert.equal(visitorId('s', '2026-12-08', '203.0.113.9', AGENTS.iphone), a);
    assert.notEqual(visitorId('s', '2026-12-09', '203.0.113.9', AGENTS.iphone), a, 'next day');
    assert.notEqual(
      visitorId('s', '2026-12-08', '203.0.113.10', AGENTS.iphone),
      a,
      'other address',
    );
    assert.notEqual(visitorId('t', '2026-12-08', '203.0.113.9', AGENTS.iphone), a, 'other secret');
    const record = buildScanRecord({
      at: at('2026-12-08T10:00:00Z'),
      day: '2026-12-08',
      subject: { kind: 'code', id: 'q1' },
      outcome: 'redirect',
      facts: {
        userAgent: AGENTS.iphone,
        address: '203.0.113.9',
        referer: undefined,
        acceptLanguage: 'fr',
        country: undefined,
      },
      secret: 's',
    });
    assert.equal(record.visitor, a);
    assert.equal(record.subjectKey, 'code:q1');
    const text = JSON.stringify(record);
    assert.ok(!text.includes('203.0.113.9') && !text.includes('AppleWebKit'), text);
    const noSecret = buildScanRecord({
      at: at('2026-12-08T10:00:00Z'),
      day: '2026-12-08',
      subject: { kind: 'code', id: 'q1' },
      outcome: 'redirect',
      facts: {
        userAgent: AGENTS.iphone,
        address: '203.0.113.9',
        referer: undefined,
        acceptLanguage: undefined,
        country: undefined,
      },
      secret: undefined,
    });
    assert.equal(noSecret.visitor, null);
  });
});

describe('domain/scanWindows', () => {
  const window = {
    validFrom: at('2027-03-01T00:00:00+01:00'),
    validUntil: at('2027-04-01T00:00:00+02:00'),
    expiresAt: at('2027-03-20T12:00:00Z'),
    maxScans: null,
  };
  it('before, inside and after, the earlier end winning', () => {
    assert.deepEqual(windowVerdict(window, at('2027-02-28T22:59:59Z')), {
      ok: false,
      kind: 'notYetValid',
      validFrom: window.validFrom,
    });
    assert.deepEqual(windowVerdict(window, at('2027-02-28T23:00:00Z')), { ok: true });
    assert.deepEqual(windowVerdict(window, at('2027-03-20T12:00:00Z')), {
      ok: false,
      kind: 'expired',
      until: window.expiresAt,
    });
    const open = { validFrom: null, validUntil: null, expiresAt: null, maxScans: null };
    assert.deepEqual(windowVerdict(open, at('2030-01-01T00:00:00Z')), { ok: true });
  });
  it('says the date in plain words in the organisation’s zone', () => {
    assert.equal(
      notYetValidMessage(window.validFrom, 'Europe/Berlin'),
      'This code is not active until 1 March 2027',
    );
    assert.equal(plainDate(window.validFrom, 'UTC'), '28 February 2027, 23:00');
  });
});

describe('domain/analytics', () => {
  it('folds records into totals and top lists; a window is checked', () => {
    const folder = analyticsFolder(at('2026-12-01T00:00:00Z'), at('2026-12-08T00:00:00Z'));
    const base = {
      device: { family: 'mobile', os: 'iOS', browser: 'Mobile Safari' },
      referrerHost: null,
      language: 'de',
      country: null,
    };
    folder.add({
      ...base,
      subject: { kind: 'code', id: 'a' },
      subjectKey: 'code:a',
      bot: false,
      visitor: 'v1',
    });
    folder.add({
      ...base,
      subject: { kind: 'code', id: 'a' },
      subjectKey: 'code:a',
      bot: false,
      visitor: 'v1',
    });
    folder.add({
      ...base,
      subject: { kind: 'unit', id: 'U' },
      subjectKey: 'unit:U',
      bot: true,
      visitor: 'v2',
    });
    const result = folder.finish();
    assert.deepEqual([result.scans, result.humans, result.bots, result.visitors], [3, 2, 1, 1]);
    assert.deepEqual(result.topCodes[0], {
      key: 'code:a',
      scans: 2,
      humans: 2,
      subject: { kind: 'code', id: 'a' },
    });
    assert.deepEqual(result.languages, [{ key: 'de', scans: 3, humans: 2 }]);
    assert.deepEqual(result.countries, []);
    const now = at('2026-12-08T00:00:00Z');
    assert.ok('problem' in analyticsWindow('2026-12-08', '2026-12-01', now));
    assert.ok('problem' in analyticsWindow('2020-01-01', '2026-12-01', now));
    assert.ok('problem' in analyticsWindow('yesterday', undefined, now));
    assert.deepEqual(analyticsWindow(undefined, undefined, now), {
      from: at('2026-11-08T00:00:00Z'),
      to: now,
    });
  });
});
