// A real browser for the tests: headless Chromium driven by puppeteer-core, and pages bundled
// at test time from the `firebase` package with esbuild, served by the test on 127.0.0.1.
//
// The Chromium is the one inside @sparticuz/chromium (its binary ships in the npm package as a
// brotli archive, unpacked into the temp directory on first use; it needs nothing from the
// system but libc, libexpat and libgcc), so `npm ci && npm test` needs nothing but Node.
// PUPPETEER_EXECUTABLE_PATH overrides it (e.g. Debian's /usr/bin/chromium).
import * as http from 'node:http';
import * as path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import chromium from '@sparticuz/chromium';
import * as esbuild from 'esbuild';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** The page sources (not compiled by tsc: esbuild bundles them for the browser). */
export const PAGES_DIR = path.join(__dirname, '..', '..', '..', 'test', 'browser');

/** Where screenshots go (gitignored). */
export const ARTIFACTS_DIR = path.join(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'test-results',
  'browser',
);

export async function launchBrowser(): Promise<Browser> {
  const override = process.env.PUPPETEER_EXECUTABLE_PATH;
  const executablePath = override || (await chromium.executablePath());
  return puppeteer.launch({
    executablePath,
    // @sparticuz/chromium's flags suit its build (single process, no sandbox: we run as root).
    // Tests never leave the machine: the browser resolves no host name (pages use 127.0.0.1).
    args: [
      ...(override ? ['--no-sandbox'] : chromium.args),
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
    headless: true,
    defaultViewport: { width: 1000, height: 1200 },
  });
}

/** Bundles one page source for the browser (the firebase package's browser builds). */
export async function bundlePage(
  file: string,
  define: Record<string, string> = {},
): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [path.join(PAGES_DIR, file)],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    logLevel: 'silent',
    define,
  });
  return result.outputFiles[0].text;
}

export interface ServedPage {
  url: string;
  close(): Promise<void>;
}

/** Serves `index.html` (which loads /page.js) and the bundle on 127.0.0.1. */
export async function servePage(script: string, title: string): Promise<ServedPage> {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:14px sans-serif;margin:16px} li.fail{color:#b00} li.ok{color:#070}
pre{white-space:pre-wrap}</style></head>
<body><h1>${title}</h1><ol id="results"></ol><script type="module" src="/page.js"></script></body></html>`;
  const server = http.createServer((req, res) => {
    if (req.url === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(script);
    } else if (req.url === '/' || req.url?.startsWith('/?')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Keeps a screenshot of the page under test-results/browser/NAME.png; resolves with its path. */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file as `${string}.png`, fullPage: true });
  return file;
}

/** Page console lines, kept to explain a failure. */
export function collectConsole(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`pageerror: ${String(e)}`));
  return lines;
}
