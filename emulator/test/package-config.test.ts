// What the emulator takes from the project that uses it (firebase.json, .firebaserc, options)
// rather than from this repository, and the export files it reads: real files in a temp folder.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadStackConfig, NO_PROJECT_ID, resolveProjectId } from '../src/config';
import { EXPORT_FILE, readExport, writeExport } from '../src/firestore/persistence';

function tempProject(files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-package-'));
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), JSON.stringify(content));
  }
  return dir;
}

describe('emulator as a package: settings come from the caller', () => {
  const dirs: string[] = [];
  const savedProject = process.env.GCLOUD_PROJECT;
  const project = (files: Record<string, unknown>) => {
    const dir = tempProject(files);
    dirs.push(dir);
    return dir;
  };

  // `cli.js test` sets GCLOUD_PROJECT for the suites; these tests choose it themselves.
  beforeEach(() => delete process.env.GCLOUD_PROJECT);
  afterEach(() => {
    if (savedProject === undefined) delete process.env.GCLOUD_PROJECT;
    else process.env.GCLOUD_PROJECT = savedProject;
  });
  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes the project id from --project, GCLOUD_PROJECT, then .firebaserc, as the Firebase CLI', () => {
    const root = project({
      'firebase.json': {},
      '.firebaserc': { projects: { default: 'demo-default', staging: 'demo-staging' } },
    });
    assert.equal(resolveProjectId(root), 'demo-default');
    assert.equal(resolveProjectId(root, 'staging'), 'demo-staging', 'an alias');
    assert.equal(resolveProjectId(root, 'demo-given'), 'demo-given', 'a project id');
    process.env.GCLOUD_PROJECT = 'demo-env';
    assert.equal(resolveProjectId(root), 'demo-env');
    assert.equal(resolveProjectId(root, 'demo-given'), 'demo-given', '--project wins');
  });

  it("uses .firebaserc's only alias, and the Firebase CLI's placeholder when nothing names a project", () => {
    const single = project({
      'firebase.json': {},
      '.firebaserc': { projects: { dev: 'demo-dev' } },
    });
    assert.equal(resolveProjectId(single), 'demo-dev');
    const two = project({
      'firebase.json': {},
      '.firebaserc': { projects: { a: 'demo-a', b: 'demo-b' } },
    });
    assert.equal(resolveProjectId(two), NO_PROJECT_ID);
    assert.equal(resolveProjectId(project({ 'firebase.json': {} })), 'demo-no-project');
  });

  it("reads ports, rules, indexes and the functions source from the caller's firebase.json", () => {
    const root = project({
      'firebase.json': {
        functions: { source: 'backend' },
        firestore: { rules: 'db.rules', indexes: 'db.indexes.json' },
        storage: [{ rules: 'files.rules' }],
        emulators: { firestore: { port: 18080 }, tasks: { port: 19499 }, hub: { port: 14400 } },
      },
    });
    const config = loadStackConfig(root, { project: 'demo-given' });
    assert.equal(config.projectId, 'demo-given');
    assert.equal(config.ports.firestore, 18080);
    assert.equal(config.ports.auth, 9099, "the Firebase CLI's default for a port not named");
    assert.equal(config.ports.tasks, 19499);
    assert.equal(config.hubPort, 14400);
    assert.equal(config.functionsSource, path.join(root, 'backend'));
    assert.deepEqual(config.rulesFiles, {
      firestore: path.join(root, 'db.rules'),
      storage: path.join(root, 'files.rules'),
    });
    assert.equal(config.firestoreIndexes, path.join(root, 'db.indexes.json'));
  });

  it('serves no functions for a firebase.json without `functions`, and `functions/` when it names no source', () => {
    const none = project({ 'firebase.json': { firestore: {} } });
    assert.equal(loadStackConfig(none).functionsSource, undefined);
    assert.deepEqual(loadStackConfig(none).rulesFiles, {
      firestore: undefined,
      storage: undefined,
    });
    const noSource = project({ 'firebase.json': { functions: [{ codebase: 'default' }] } });
    assert.equal(loadStackConfig(noSource).functionsSource, path.join(noSource, 'functions'));
  });
});

describe('emulator as a package: Firestore export files', () => {
  let dir: string;
  const doc = {
    name: 'projects/demo-x/databases/(default)/documents/things/t1',
    fields: { n: { integerValue: '7' } },
    createTime: '2026-01-02T03:04:05.123456789Z',
    updateTime: '2026-01-02T03:04:05.123456789Z',
  };
  const writeFile = (format: string) =>
    fs.writeFileSync(
      path.join(dir, EXPORT_FILE),
      JSON.stringify({ format, version: 1, documents: [doc] }),
    );

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-export-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes its own format name and reads it back', async () => {
    writeFile('local-firebase-firestore-export');
    const docs = await readExport(dir);
    assert.equal(docs?.length, 1);
    assert.equal(await writeExport(dir, docs ?? []), 1);
    const written = JSON.parse(fs.readFileSync(path.join(dir, EXPORT_FILE), 'utf8')) as {
      format: string;
      documents: Array<{ name: string; fields: unknown }>;
    };
    assert.equal(written.format, 'local-firebase-firestore-export');
    assert.equal(written.documents[0].name, doc.name);
    assert.deepEqual(written.documents[0].fields, doc.fields);
  });

  it('still imports a folder exported under the earlier format name', async () => {
    writeFile('qr-assets-firestore-export');
    const docs = (await readExport(dir)) ?? [];
    assert.equal(docs.length, 1);
    assert.equal(docs[0].fields?.n.integerValue, '7');
    assert.deepEqual(docs[0].createTime, { seconds: '1767323045', nanos: 123456789 });
  });

  it('refuses a file of any other format, naming it', async () => {
    writeFile('someone-elses-export');
    await assert.rejects(readExport(dir), /is not a Firestore export of this emulator/);
  });
});
