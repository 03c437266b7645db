// The address check of image imports, on addresses alone: nothing here connects anywhere.
import { strict as assert } from 'node:assert';
import {
  checkAddress,
  describeRange,
  isAllowedHost,
  normalizeHost,
  parseHostPortList,
} from '../src/domain/addresses';

const REFUSED: Array<[string, string]> = [
  // IPv4 loopback, the whole 127/8
  ['127.0.0.1', 'loopback'],
  ['127.0.0.2', 'loopback'],
  ['127.255.255.254', 'loopback'],
  // unspecified, broadcast
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['255.255.255.255', 'broadcast'],
  // RFC 1918
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.254', 'private'],
  ['192.168.0.1', 'private'],
  ['192.168.255.255', 'private'],
  // link-local, the metadata server among them
  ['169.254.169.254', 'linkLocal'],
  ['169.254.0.1', 'linkLocal'],
  // carrier-grade NAT 100.64/10
  ['100.64.0.1', 'carrierGradeNat'],
  ['100.127.255.254', 'carrierGradeNat'],
  // multicast, reserved, documentation, benchmarking
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['198.51.100.7', 'reserved'],
  ['203.0.113.9', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['192.0.0.8', 'reserved'],
  // IPv6 loopback, unspecified, unique-local, link-local, multicast
  ['::1', 'loopback'],
  ['::', 'unspecified'],
  ['fc00::1', 'uniqueLocal'],
  ['fd12:3456:789a::1', 'uniqueLocal'],
  ['fe80::1', 'linkLocal'],
  ['fe80::a9fe:a9fe', 'linkLocal'],
  ['ff02::1', 'multicast'],
  ['ff05::1:3', 'multicast'],
  ['2001:db8::1', 'reserved'],
  // IPv6 forms that tunnel to or translate an IPv4 address
  ['2002:7f00:1::1', '6to4'],
  ['2002:0808:0808::1', '6to4'],
  ['2001:0:4136:e378::1', 'teredo'],
  ['64:ff9b::7f00:1', 'rfc6052'],
  ['64:ff9b::808:808', 'rfc6052'],
  ['::7f00:1', 'notGlobalUnicast'],
  ['::a9fe:a9fe', 'notGlobalUnicast'],
  ['100::1', 'discard'],
  ['4000::1', 'notGlobalUnicast'],
];

// IPv4-mapped IPv6 of the IPv4 ranges: judged as the IPv4 address they carry.
const MAPPED: Array<[string, string, string]> = [
  ['::ffff:127.0.0.1', '127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', '127.0.0.1', 'loopback'],
  ['::ffff:10.0.0.1', '10.0.0.1', 'private'],
  ['::ffff:172.16.5.4', '172.16.5.4', 'private'],
  ['::ffff:192.168.1.1', '192.168.1.1', 'private'],
  ['::ffff:169.254.169.254', '169.254.169.254', 'linkLocal'],
  ['::ffff:a9fe:a9fe', '169.254.169.254', 'linkLocal'],
  ['::ffff:100.64.0.1', '100.64.0.1', 'carrierGradeNat'],
  ['::ffff:0.0.0.0', '0.0.0.0', 'unspecified'],
  ['::ffff:224.0.0.1', '224.0.0.1', 'multicast'],
  ['::ffff:255.255.255.255', '255.255.255.255', 'broadcast'],
];

const ALLOWED = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.216.34',
  '172.15.255.255', // just below 172.16/12
  '172.32.0.1', // just above it
  '100.63.255.255', // just below 100.64/10
  '100.128.0.1', // just above it
  '169.253.255.255',
  '11.0.0.1',
  '2606:4700:4700::1111',
  '2001:4860:4860::8888',
  '2a00:1450:4001:82a::200e',
];

describe('image import: address check (pure, no connections)', () => {
  for (const [address, range] of REFUSED) {
    it(`refuses ${address} (${range})`, () => {
      const verdict = checkAddress(address);
      assert.equal(verdict.allowed, false);
      assert.equal(verdict.range, range);
      assert.ok(describeRange(verdict.range).length > 5);
    });
  }

  for (const [address, ipv4, range] of MAPPED) {
    it(`refuses the IPv4-mapped ${address} as ${ipv4} (${range})`, () => {
      assert.deepEqual(checkAddress(address), { allowed: false, address: ipv4, range });
    });
  }

  it('allows public unicast IPv4 and IPv6, and a mapped public IPv4 as that IPv4', () => {
    for (const address of ALLOWED) {
      assert.equal(checkAddress(address).allowed, true, address);
    }
    assert.deepEqual(checkAddress('::ffff:8.8.8.8'), {
      allowed: true,
      address: '8.8.8.8',
      range: 'unicast',
    });
  });

  it('throws on text that is not an address', () => {
    assert.throws(() => checkAddress('localhost'), RangeError);
    assert.throws(() => checkAddress('[::1]'), RangeError);
    assert.throws(() => checkAddress(''), RangeError);
  });

  it('describes each refused range in words', () => {
    assert.match(describeRange('linkLocal'), /metadata/);
    assert.match(describeRange('loopback'), /loopback/);
    assert.match(describeRange('somethingNew'), /special-purpose.*somethingNew/);
  });
});

describe('image import: IMAGE_IMPORT_ALLOWED_HOSTS', () => {
  it('parses host:port pairs, IPv6 in brackets, and reports bad entries', () => {
    const { entries, invalid } = parseHostPortList(
      '127.0.0.1:9390, [::1]:8080 Images.Internal:443,nohost,127.0.0.1:0,1.2.3.4:70000,::1:80',
    );
    assert.deepEqual(entries, [
      { host: '127.0.0.1', port: 9390 },
      { host: '::1', port: 8080 },
      { host: 'images.internal', port: 443 },
    ]);
    assert.deepEqual(invalid, ['nohost', '127.0.0.1:0', '1.2.3.4:70000', '::1:80']);
    assert.deepEqual(parseHostPortList(''), { entries: [], invalid: [] });
  });

  it('allows exactly the listed host and port, nothing near it', () => {
    const { entries } = parseHostPortList('127.0.0.1:9390,[::1]:8080');
    assert.equal(isAllowedHost(entries, '127.0.0.1', 9390), true);
    assert.equal(isAllowedHost(entries, '[::1]', 8080), true);
    assert.equal(isAllowedHost(entries, '[0:0:0:0:0:0:0:1]', 8080), true);
    assert.equal(isAllowedHost(entries, '127.0.0.1', 9391), false);
    assert.equal(isAllowedHost(entries, '127.0.0.1', 8080), false);
    assert.equal(isAllowedHost(entries, '127.0.0.2', 9390), false);
    assert.equal(isAllowedHost(entries, 'localhost', 9390), false);
    assert.equal(isAllowedHost(entries, '[::1]', 9390), false);
    assert.equal(isAllowedHost([], '127.0.0.1', 9390), false);
  });

  it('normalises hosts as a URL gives them', () => {
    assert.equal(normalizeHost('[::FFFF:7F00:1]'), '::ffff:7f00:1');
    assert.equal(normalizeHost('Example.COM'), 'example.com');
    assert.equal(normalizeHost(new URL('http://2130706433/').hostname), '127.0.0.1');
  });
});
