// Where the local stack listens and which project it pretends to be: read from the same
// firebase.json `emulators` section and .firebaserc that the Firebase CLI reads.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type ServiceName = 'firestore' | 'storage' | 'auth' | 'functions' | 'tasks';
export const SERVICES: readonly ServiceName[] = [
  'firestore',
  'storage',
  'auth',
  'functions',
  'tasks',
];

/** The Firebase emulator suite's default ports, used when firebase.json names none. */
const DEFAULT_PORTS: Record<ServiceName, number> = {
  firestore: 8080,
  storage: 9199,
  auth: 9099,
  functions: 5001,
  tasks: 9499,
};

export interface StackConfig {
  projectId: string;
  host: string;
  ports: Record<ServiceName, number>;
  /**
   * The functions package (its package.json names the built entry point); absent when
   * firebase.json has no `functions` entry, and then no functions are served.
   */
  functionsSource?: string;
  /** The rules files firebase.json names (absolute paths), watched while the stack runs. */
  rulesFiles: { firestore?: string; storage?: string };
  /** The emulator hub's port (rules-unit-testing discovers the stack through it). */
  hubPort: number;
  /** firebase.json's firestore.indexes, resolved from the project root. */
  firestoreIndexes: string;
}

/** The Firebase CLI's default emulator hub port. */
const DEFAULT_HUB_PORT = 4400;

type RulesEntry = { rules?: string } | Array<{ rules?: string }>;

interface FirebaseJson {
  emulators?: Partial<Record<ServiceName | 'hub', { host?: string; port?: number }>>;
  firestore?: { rules?: string; indexes?: string };
  storage?: RulesEntry;
  functions?: { source?: string } | Array<{ source?: string }>;
}

function readJson<T>(file: string): T | undefined {
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** The repository root: the folder holding firebase.json, searched upwards from `start`. */
export function findProjectRoot(start: string = process.cwd()): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'firebase.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No firebase.json found above ${start}`);
    dir = parent;
  }
}

/**
 * The project id when nothing names one: the placeholder the Firebase CLI's emulators use. A
 * `demo-` project id tells every Firebase SDK that no real project or credentials exist.
 */
export const NO_PROJECT_ID = 'demo-no-project';

/**
 * The project id, chosen as the Firebase CLI chooses it: `--project` (a project id, or an
 * alias from .firebaserc's `projects`), else GCLOUD_PROJECT, else .firebaserc's default (or its
 * only alias), else {@link NO_PROJECT_ID}.
 */
export function resolveProjectId(root: string, project?: string): string {
  const rc = readJson<{ projects?: Record<string, string> }>(path.join(root, '.firebaserc'));
  const aliases = rc?.projects ?? {};
  if (project) return Object.hasOwn(aliases, project) ? aliases[project] : project;
  const fromEnv = process.env.GCLOUD_PROJECT;
  if (fromEnv) return fromEnv;
  const only = Object.values(aliases);
  return aliases.default ?? (only.length === 1 ? only[0] : NO_PROJECT_ID);
}

/** The project's default Storage bucket, the one firebase-tools' emulators assume. */
export function defaultStorageBucket(projectId: string): string {
  return `${projectId}.appspot.com`;
}

/** FIREBASE_CONFIG as the Firebase CLI gives it to emulated functions (firebase-admin reads it). */
export function firebaseConfigJson(projectId: string): string {
  return JSON.stringify({ projectId, storageBucket: defaultStorageBucket(projectId) });
}

export interface ConfigOptions {
  /** `--project`: a project id or a .firebaserc alias; wins over GCLOUD_PROJECT and .firebaserc. */
  project?: string;
}

/** The stack's settings from `root`'s firebase.json and .firebaserc, and the caller's options. */
export function loadStackConfig(
  root: string = findProjectRoot(),
  options: ConfigOptions = {},
): StackConfig {
  const firebaseJson = readJson<FirebaseJson>(path.join(root, 'firebase.json')) ?? {};
  const emulators = firebaseJson.emulators ?? {};
  const ports = { ...DEFAULT_PORTS };
  for (const service of SERVICES) {
    const port = emulators[service]?.port;
    if (port !== undefined) ports[service] = port;
  }
  const functions = Array.isArray(firebaseJson.functions)
    ? firebaseJson.functions[0]
    : firebaseJson.functions;
  // The Firebase CLI's default source folder, for a `functions` entry that names none.
  const functionsSource = functions ? (functions.source ?? 'functions') : undefined;
  const rulesOf = (entry: RulesEntry | undefined): string | undefined => {
    const rules = Array.isArray(entry) ? entry[0]?.rules : entry?.rules;
    return rules ? path.join(root, rules) : undefined;
  };
  return {
    projectId: resolveProjectId(root, options.project),
    host: '127.0.0.1',
    ports,
    functionsSource: functionsSource === undefined ? undefined : path.join(root, functionsSource),
    rulesFiles: {
      firestore: rulesOf(firebaseJson.firestore),
      storage: rulesOf(firebaseJson.storage),
    },
    hubPort: emulators.hub?.port ?? DEFAULT_HUB_PORT,
    firestoreIndexes: path.resolve(
      root,
      firebaseJson.firestore?.indexes ?? 'firestore.indexes.json',
    ),
  };
}
