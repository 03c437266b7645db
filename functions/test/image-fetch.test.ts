// The SSRF-safe fetcher, called directly with its limits: every server is a local one on a
// loopback address, and a refused URL is proven never to have reached its server.
import { strict as assert } from 'node:assert';
import dns from 'node:dns';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { FetchError, safeFetch, type FetchLimits, type Resolver } from '../src/net/safeFetch';
import { redirectTo, sendBytes, startImageServer, type ImageServer } from './support/imageServer';

const MB = 1024 * 1024;

async function failure(promise: Promise<unknown>): Promise<FetchError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof FetchError, `expected a FetchError, got ${String(err)}`);
    return err;
  }
  assert.fail('the fetch succeeded');
}

describe('image import: safe fetcher', function () {
  let images: ImageServer; // the allowed one
  let bystander: ImageServer; // 127.0.0.1 on another port: must never be reached
  let limits: FetchLimits;

  before(async () => {
    images = await startImageServer('127.0.0.1');
    bystander = await startImageServer('127.0.0.1');
    bystander.route('/secret', sendBytes('internal data', 'text/plain'));
    limits = {
      connectTimeoutMs: 2000,
      timeoutMs: 5000,
      maxBytes: 1 * MB,
      maxRedirects: 5,
      allowedHosts: [{ host: '127.0.0.1', port: images.port }],
    };
  });
  after(async () => {
    await images.close();
    await bystander.close();
  });

  it('fetches an allowed host:port and keeps the Content-Type as sent', async () => {
    images.route('/a.png', sendBytes(Buffer.from('bytes of a png'), 'text/html'));
    const got = await safeFetch(`${images.origin}/a.png?x=1`, limits);
    assert.equal(got.status, 200);
    assert.equal(got.body.toString(), 'bytes of a png');
    assert.equal(got.contentType, 'text/html');
    assert.equal(got.redirects, 0);
  });

  it('follows up to 5 redirects, each checked again, and refuses the 6th', async () => {
    images.route('/end', sendBytes('done', 'image/png'));
    for (let i = 1; i <= 6; i++)
      images.route(`/r${i}`, redirectTo(i === 1 ? '/end' : `/r${i - 1}`));
    const five = await safeFetch(`${images.origin}/r5`, limits);
    assert.equal(five.body.toString(), 'done');
    assert.equal(five.redirects, 5);
    assert.equal(five.url, `${images.origin}/end`);
    const before = images.requests.get('/end');
    const six = await failure(safeFetch(`${images.origin}/r6`, limits));
    assert.equal(six.kind, 'too_many_redirects');
    assert.equal(six.retryable, false);
    assert.match(six.message, /more than 5 times/);
    assert.equal(images.requests.get('/end'), before, 'the 7th hop was never requested');
  });

  it('a 404 fails at once, a 503 may be retried', async () => {
    const notFound = await failure(safeFetch(`${images.origin}/missing`, limits));
    assert.deepEqual(
      [notFound.kind, notFound.status, notFound.retryable],
      ['http_status', 404, false],
    );
    assert.match(notFound.message, /not found.*404/i);
    images.route('/busy', sendBytes('try later', 'text/plain', 503));
    const busy = await failure(safeFetch(`${images.origin}/busy`, limits));
    assert.deepEqual([busy.kind, busy.status, busy.retryable], ['http_status', 503, true]);
  });

  it('cuts a body off past the limit while it streams (no Content-Length)', async () => {
    const total = 20 * MB;
    images.route('/endless', (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (sent = total));
      pump();
    });
    const err = await failure(safeFetch(`${images.origin}/endless`, limits));
    assert.equal(err.kind, 'too_large');
    assert.equal(err.retryable, false);
    assert.match(err.message, /larger than 1 MB/);
    // Socket buffers hold a few MB at most: the server never got to send all 20 MB.
    assert.ok((images.bytesSent.get('/endless') ?? 0) < total);
  });

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    images.route('/declared', (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': 5 * MB });
      res.write(Buffer.alloc(1024));
    });
    const err = await failure(safeFetch(`${images.origin}/declared`, limits));
    assert.equal(err.kind, 'too_large');
  });

  it('gives up on a server that never answers, at the overall timeout', async () => {
    images.route('/silent', () => undefined);
    const err = await failure(safeFetch(`${images.origin}/silent`, { ...limits, timeoutMs: 300 }));
    assert.equal(err.kind, 'timeout');
    assert.equal(err.retryable, true);
    assert.match(err.message, /did not finish within 0.3 s/);
  });

  it('refuses URLs with a user and password, and other schemes', async () => {
    const port = images.port;
    const creds = await failure(safeFetch(`http://user:pw@127.0.0.1:${port}/a.png`, limits));
    assert.equal(creds.kind, 'credentials');
    assert.match(creds.message, /user name or password/);
    const userOnly = await failure(safeFetch(`http://user@127.0.0.1:${port}/a.png`, limits));
    assert.equal(userOnly.kind, 'credentials');
    for (const url of [
      'ftp://127.0.0.1/x',
      'file:///etc/passwd',
      'data:image/png;base64,AA',
      'nope',
    ]) {
      assert.equal((await failure(safeFetch(url, limits))).kind, 'invalid_url', url);
    }
  });

  describe('refused before any connection', () => {
    const probes: ImageServer[] = [];
    let v4second: ImageServer; // 127.0.0.2
    let v6: ImageServer; // [::1]
    before(async () => {
      v4second = await startImageServer('127.0.0.2');
      v6 = await startImageServer('::1');
      probes.push(v4second, v6);
    });
    after(async () => {
      for (const probe of probes) await probe.close();
    });

    const connectionsBefore = () => [bystander, v4second, v6, images].map((s) => s.connections);

    it('127.0.0.1 on another port, 127.0.0.2, [::1], 0.0.0.0, localhost and 2130706433', async () => {
      const urls = [
        `http://127.0.0.1:${bystander.port}/secret`,
        `http://127.0.0.2:${v4second.port}/x`,
        `http://127.0.0.2:${images.port}/a.png`, // the allowed port, on another host
        `http://[::1]:${v6.port}/x`,
        `http://[::ffff:127.0.0.1]:${bystander.port}/secret`,
        `http://0.0.0.0:${bystander.port}/secret`,
        `http://localhost:${images.port}/a.png`, // allowed port, but not the allowed host
        `http://localhost:${bystander.port}/secret`,
        `http://2130706433:${bystander.port}/secret`,
        `http://0x7f.1:${bystander.port}/secret`,
      ];
      const counts = connectionsBefore();
      for (const url of urls) {
        const err = await failure(safeFetch(url, limits));
        assert.equal(err.kind, 'refused_address', url);
        assert.equal(err.retryable, false);
        assert.match(err.message, /(loopback|unspecified).*public internet addresses/, url);
      }
      assert.deepEqual(connectionsBefore(), counts, 'no server saw a connection');
    });

    it('a redirect from an allowed server to any of those', async () => {
      const targets = [
        `http://127.0.0.1:${bystander.port}/secret`,
        `http://127.0.0.2:${v4second.port}/x`,
        `http://[::1]:${v6.port}/x`,
        `http://0.0.0.0:${bystander.port}/secret`,
        `http://localhost:${bystander.port}/secret`,
        `http://user:pw@127.0.0.1:${images.port}/a.png`,
      ];
      targets.forEach((target, i) => images.route(`/to${i}`, redirectTo(target)));
      const counts = connectionsBefore();
      for (let i = 0; i < targets.length; i++) {
        const err = await failure(safeFetch(`${images.origin}/to${i}`, limits));
        assert.ok(
          ['refused_address', 'credentials'].includes(err.kind),
          `${targets[i]}: ${err.kind}`,
        );
      }
      const after = connectionsBefore();
      assert.deepEqual(after.slice(0, 3), counts.slice(0, 3), 'no refused server saw a connection');
      assert.equal(after[3], counts[3] + targets.length, 'one connection per first hop only');
    });

    it('a host name with any refused address is refused, even next to a public one', async () => {
      const resolve: Resolver = async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ];
      const err = await failure(safeFetch('http://images.example/x.png', limits, { resolve }));
      assert.equal(err.kind, 'refused_address');
      assert.match(err.message, /images\.example \(10\.1\.2\.3\), a private network address/);
      const metadata: Resolver = async () => [{ address: '169.254.169.254', family: 4 }];
      const meta = await failure(
        safeFetch('http://metadata.google.internal/', limits, { resolve: metadata }),
      );
      assert.match(meta.message, /metadata server/);
      const mapped: Resolver = async () => [{ address: '::ffff:192.168.1.1', family: 6 }];
      assert.equal(
        (await failure(safeFetch('http://sneaky.example/', limits, { resolve: mapped }))).kind,
        'refused_address',
      );
    });
  });

  it('connects to the address it checked, with the URL host in the Host header (no rebinding)', async () => {
    let lookups = 0;
    // First answer: the allowed server's address; any later one would point elsewhere.
    const rebinding: Resolver = async () =>
      lookups++ === 0
        ? [{ address: '127.0.0.1', family: 4 }]
        : [{ address: '127.0.0.2', family: 4 }];
    let hostHeader = '';
    images.route('/named.png', (req, res) => {
      hostHeader = String(req.headers.host);
      sendBytes('named', 'image/png')(req, res);
    });
    const allowedByName = { ...limits, allowedHosts: [{ host: 'images.test', port: images.port }] };
    const got = await safeFetch(`http://images.test:${images.port}/named.png`, allowedByName, {
      resolve: rebinding,
    });
    assert.equal(got.body.toString(), 'named');
    assert.equal(lookups, 1, 'one DNS lookup per hop, none at connect time');
    assert.equal(hostHeader, `images.test:${images.port}`);
  });

  it('reports a name that does not exist as not retryable, a DNS hiccup as retryable', async () => {
    const missing: Resolver = async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    };
    const gone = await failure(safeFetch('http://nowhere.example/', limits, { resolve: missing }));
    assert.deepEqual([gone.kind, gone.retryable], ['dns', false]);
    const flaky: Resolver = async () => {
      throw Object.assign(new Error('again'), { code: 'EAI_AGAIN' });
    };
    const later = await failure(safeFetch('http://flaky.example/', limits, { resolve: flaky }));
    assert.deepEqual([later.kind, later.retryable], ['dns', true]);
  });

  it('a server that does not speak HTTP fails at once', async () => {
    const raw = net.createServer((socket) => {
      socket.resume(); // read to the end, so the socket closes when the client hangs up
      socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n');
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const { port } = raw.address() as AddressInfo;
    try {
      const err = await failure(
        safeFetch(`http://127.0.0.1:${port}/`, {
          ...limits,
          allowedHosts: [{ host: '127.0.0.1', port }],
        }),
      );
      assert.deepEqual([err.kind, err.retryable], ['network', false]);
      assert.match(err.message, /did not answer with valid HTTP \(HPE_/);
    } finally {
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });

  it('a connection reset is retryable', async () => {
    images.route('/reset', (req) => req.socket.destroy());
    const err = await failure(safeFetch(`${images.origin}/reset`, limits));
    assert.equal(err.kind, 'network');
    assert.equal(err.retryable, true);
  });

  describe('ports: 80 and 443 only, unless host:port is allowed', () => {
    // A public address for a made-up name; the port check refuses before any connection to it.
    const publicName: Resolver = async () => [{ address: '93.184.216.34', family: 4 }];

    it('refuses another port of a public host, not retryable', async () => {
      for (const url of ['http://images.example:8080/a.png', 'https://images.example:22/']) {
        const err = await failure(safeFetch(url, limits, { resolve: publicName }));
        assert.deepEqual([err.kind, err.retryable], ['refused_port', false], url);
        assert.match(
          err.message,
          /^The image URL uses port (8080|22) of images\.example\. Images are fetched only from the web ports 80 \(http\) and 443 \(https\)\.$/,
        );
      }
    });

    it('refuses a redirect to another port, and lets the allowed host:port through', async () => {
      images.route('/to-admin', redirectTo('http://images.example:8443/console'));
      const err = await failure(
        safeFetch(`${images.origin}/to-admin`, limits, { resolve: publicName }),
      );
      assert.equal(err.kind, 'refused_port');
      assert.match(err.message, /^The server redirected to port 8443 of images\.example\./);
      // The allowed pair is on a port other than 80 and 443 (images.port), and is fetched.
      images.route('/ok.png', sendBytes('ok', 'image/png'));
      assert.equal((await safeFetch(`${images.origin}/ok.png`, limits)).body.toString(), 'ok');
    });
  });

  describe('in the local stack (FUNCTIONS_EMULATOR=true)', () => {
    let saved: string | undefined;
    let lookups: string[];
    let realLookup: typeof dns.promises.lookup;
    before(() => {
      saved = process.env.FUNCTIONS_EMULATOR;
      process.env.FUNCTIONS_EMULATOR = 'true';
      // Counts the fetcher's own DNS lookups: it calls the lookup of node:dns/promises, which is
      // the object dns.promises (a namespace import would be a read-only copy).
      realLookup = dns.promises.lookup;
      lookups = [];
      (dns.promises as { lookup: unknown }).lookup = (name: string) => {
        lookups.push(name);
        return Promise.reject(Object.assign(new Error('no DNS in tests'), { code: 'EAI_AGAIN' }));
      };
    });
    after(() => {
      (dns.promises as { lookup: unknown }).lookup = realLookup;
      if (saved === undefined) delete process.env.FUNCTIONS_EMULATOR;
      else process.env.FUNCTIONS_EMULATOR = saved;
    });

    it('resolves no public name: a clear, final error and no DNS query', async () => {
      const err = await failure(safeFetch('https://images.example.com/a.png', limits));
      assert.deepEqual([err.kind, err.retryable], ['dns', false]);
      assert.equal(
        err.message,
        'The host name images.example.com is not resolved in the local stack: there, images are ' +
          'fetched only from IP addresses and the hosts in IMAGE_IMPORT_ALLOWED_HOSTS, so that ' +
          'tests never leave the machine.',
      );
      assert.deepEqual(lookups, []);
    });

    it('a resolver the test gives, IP literals and localhost still work without DNS', async () => {
      images.route('/local.png', sendBytes('local', 'image/png'));
      const named = await safeFetch(
        `http://images.test:${images.port}/local.png`,
        { ...limits, allowedHosts: [{ host: 'images.test', port: images.port }] },
        { resolve: async () => [{ address: '127.0.0.1', family: 4 }] },
      );
      assert.equal(named.body.toString(), 'local');
      assert.equal(
        (await safeFetch(`${images.origin}/local.png`, limits)).body.toString(),
        'local',
      );
      const localhost = await failure(safeFetch(`http://localhost:${bystander.port}/`, limits));
      assert.equal(localhost.kind, 'refused_address');
      assert.deepEqual(lookups, []);
    });
  });

  describe('https to a checked address', () => {
    let server: https.Server;
    let port: number;
    let cert: string;
    const seen: Array<{ servername: string; host: string }> = [];
    const toLoopback: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];

    before(async () => {
      const pems = await generate([{ name: 'commonName', value: 'images.test' }], {
        keyType: 'ec',
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'images.test' }] }],
      });
      cert = pems.cert;
      server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
        seen.push({
          servername: String((req.socket as TLSSocket).servername),
          host: String(req.headers.host),
        });
        res.writeHead(200, { 'content-type': 'image/png' }).end('secure bytes');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const allowing = (host: string) => ({ ...limits, allowedHosts: [{ host, port }] });

    it('sends the URL host as TLS server name and Host, and checks the certificate against it', async () => {
      const got = await safeFetch(`https://images.test:${port}/a.png`, allowing('images.test'), {
        resolve: toLoopback,
        ca: cert,
      });
      assert.equal(got.body.toString(), 'secure bytes');
      assert.deepEqual(seen.at(-1), { servername: 'images.test', host: `images.test:${port}` });
    });

    it('refuses a certificate for another name, and an untrusted one', async () => {
      const wrongName = await failure(
        safeFetch(`https://other.test:${port}/a.png`, allowing('other.test'), {
          resolve: toLoopback,
          ca: cert,
        }),
      );
      assert.equal(wrongName.kind, 'tls');
      assert.equal(wrongName.retryable, false);
      assert.match(wrongName.message, /secure connection to other\.test failed/);
      const untrusted = await failure(
        safeFetch(`https://images.test:${port}/a.png`, allowing('images.test'), {
          resolve: toLoopback,
        }),
      );
      assert.equal(untrusted.kind, 'tls');
    });
  });
});
