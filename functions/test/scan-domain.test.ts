// The pure parts of a scan: the rate-limit key of a client address, the redirect allow list and
// the reply a landing gets.
import { strict as assert } from 'node:assert';
import { clientAddressKey } from '../src/domain/rateLimit';
import {
  hostMatches,
  normalizeRedirectHost,
  redirectDecision,
  redirectPolicyOf,
} from '../src/domain/redirectHosts';
import { scanReply, type Landing } from '../src/domain/scanLanding';

describe('scan domain', () => {
  it('keys IPv4 by address, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
    assert.equal(clientAddressKey('198.51.100.7'), '198.51.100.7');
    assert.equal(clientAddressKey('::ffff:198.51.100.7'), '198.51.100.7');
    assert.equal(clientAddressKey('::FFFF:c633:6407'), '198.51.100.7');
    assert.equal(clientAddressKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(clientAddressKey('2001:0db8:0001:0002:ffff::1'), '2001:db8:1:2::/64');
    assert.equal(clientAddressKey('fe80::1%eth0'), 'fe80::/64');
    assert.notEqual(clientAddressKey('2001:db8:1:3::1'), clientAddressKey('2001:db8:1:2::1'));
    assert.equal(clientAddressKey(undefined), 'unknown');
    assert.equal(clientAddressKey('not-an-address'), 'not-an-address');
  });

  it('normalises allow-list entries and refuses what is not a host name', () => {
    assert.deepEqual(normalizeRedirectHost('Example.COM.'), { host: 'example.com' });
    assert.deepEqual(normalizeRedirectHost('*.Shop.example'), { host: '*.shop.example' });
    assert.deepEqual(normalizeRedirectHost('bücher.example'), { host: 'xn--bcher-kva.example' });
    for (const bad of ['https://a.example', 'a.example:8080', 'a.example/x', 'user@a.example']) {
      assert.ok('problem' in normalizeRedirectHost(bad), bad);
    }
    for (const bad of ['1.2.3.4', '[::1]', 'localhost', '*.com', '*', '-a.example', 'a..example']) {
      assert.ok('problem' in normalizeRedirectHost(bad), bad);
    }
  });

  it('matches exact hosts and wildcard subdomains only', () => {
    const list = ['shop.example.com', '*.example.org'];
    assert.ok(hostMatches('SHOP.example.com', list));
    assert.ok(hostMatches('a.b.example.org', list));
    assert.ok(!hostMatches('example.org', list));
    assert.ok(!hostMatches('badexample.org', list));
    assert.ok(!hostMatches('shop.example.com.evil.test', list));
  });

  it('old organisations (no marker) allow all while their list is empty; new ones none', () => {
    assert.deepEqual(redirectPolicyOf({}), { kind: 'any' });
    assert.deepEqual(redirectPolicyOf({ redirectAllowedHosts: [] }), { kind: 'any' });
    assert.deepEqual(redirectPolicyOf({ redirectAllowedHosts: ['a.example'] }), {
      kind: 'allowlist',
      hosts: ['a.example'],
    });
    const fresh = redirectPolicyOf({ redirectPolicy: 'allowlist', redirectAllowedHosts: [] });
    assert.deepEqual(fresh, { kind: 'allowlist', hosts: [] });
    assert.equal(redirectDecision('https://a.example/x', fresh).allowed, false);
  });

  it('the admins’ template redirects whatever the list; a tracked code outside it gets the page', () => {
    const base = {
      kind: 'redirect' as const,
      url: 'https://other.example/a?x="1"',
      target: { orgId: 'o', kind: 'qrCode' as const, id: 'q' },
      policy: { kind: 'allowlist' as const, hosts: [] },
    };
    const template: Landing = { ...base, source: 'assetUrlTemplate' };
    assert.deepEqual(scanReply(template, 'html'), { kind: 'redirect', location: base.url });
    const code: Landing = { ...base, source: 'trackedCode' };
    const page = scanReply(code, 'html');
    assert.equal(page.kind, 'html');
    if (page.kind !== 'html') return;
    assert.equal(page.headers['Referrer-Policy'], 'no-referrer');
    assert.ok(page.html.includes('href="https://other.example/a?x=&#34;1&#34;"'));
    const json = scanReply(code, 'json');
    assert.deepEqual(json.kind === 'json' && json.body, {
      destination: base.url,
      host: 'other.example',
      allowed: false,
      interstitial: true,
    });
    const script = scanReply({ ...code, url: 'javascript:alert(1)' }, 'html');
    assert.ok(script.kind === 'html' && !script.html.includes('<a '), 'no link but http(s)');
  });
});
