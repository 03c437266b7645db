// The bounded cache behind the role, key, user-check and scan-URL caches: its size bound, its
// age bound (chosen at each read), and a forget that no racing read can undo.
import { strict as assert } from 'node:assert';
import { cacheKey, TimedCache } from '../src/domain/timedCache';

describe('TimedCache', () => {
  it('holds at most `max` entries, dropping the least recently used', () => {
    const cache = new TimedCache<{ n: number }>(3);
    for (let n = 0; n < 5; n++) cache.set(`k${n}`, { n }, 1000);
    assert.equal(cache.size, 3);
    assert.equal(cache.get('k0', 10_000, 1001), undefined);
    assert.equal(cache.get('k1', 10_000, 1001), undefined);
    assert.deepEqual(cache.get('k4', 10_000, 1001), { n: 4 });
  });

  it('answers only while the entry is younger than the age asked for; 0 never', () => {
    const cache = new TimedCache<{ v: string }>(10);
    cache.set('a', { v: 'x' }, 1000);
    assert.equal(cache.get('a', 0, 1000), undefined);
    assert.deepEqual(cache.get('a', 500, 1499), { v: 'x' });
    assert.equal(cache.get('a', 500, 1500), undefined);
    assert.equal(cache.get('a', 60_000, 1501), undefined, 'an expired entry is gone');
  });

  it('a forget wins over a read that began before it', () => {
    const cache = new TimedCache<{ v: string }>(10);
    cache.set('a', { v: 'old' }, 1000);
    cache.forget('a', 2000);
    assert.equal(cache.get('a', 60_000, 2001), undefined);
    cache.set('a', { v: 'read before the change' }, 1999);
    assert.equal(cache.get('a', 60_000, 2002), undefined);
    cache.set('a', { v: 'read after' }, 2001);
    assert.deepEqual(cache.get('a', 60_000, 2002), { v: 'read after' });
  });

  it('keys of different ids never meet', () => {
    assert.notEqual(cacheKey('org-a', 'b/c'), cacheKey('org-a/b', 'c'));
    assert.notEqual(cacheKey('a', 'bc'), cacheKey('ab', 'c'));
  });
});
