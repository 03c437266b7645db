// The whole local Firebase in one process: Firestore, Storage, Auth and the functions host,
// wired so that every committed Firestore write reaches the host's document triggers.
import * as path from 'node:path';
import { AuthEmulatorServer } from './auth/server';
import { firebaseConfigJson, type ServiceName, type StackConfig } from './config';
import { indexChecksEnabledByEnv } from './firestore/indexes/checker';
import type { IndexUsageReport } from './firestore/indexes/usage';
import { FirestoreEmulator } from './firestore/server';
import { FunctionsHost } from './functions/host';
import { StorageEmulatorServer } from './storage/server';
import { CloudTasksEmulator } from './tasks/server';
import { EmulatorHub } from './hub';

export interface StackOptions extends StackConfig {
  /** Bind every service to a free port instead of the configured one (the `test` command). */
  anyFreePort?: boolean;
  /** Run onSchedule functions on their schedules (`start`), or only on demand (`test`). */
  runSchedules?: boolean;
  /** Load Firestore documents from this folder (written by an earlier export) before serving. */
  importDir?: string;
  /** Write Firestore's documents to this folder when the stack stops. */
  exportOnExitDir?: string;
}

export interface RunningStack {
  projectId: string;
  /** host:port of each service, as the *_EMULATOR_HOST variables want it. */
  endpoints: Record<ServiceName, string>;
  /** The variables that point Firebase SDKs and the Firebase CLI at this stack. */
  env: Record<string, string>;
  functions: FunctionsHost;
  tasks: CloudTasksEmulator;
  /** Which declared Firestore indexes served queries (undefined when index checks are off). */
  firestoreIndexUsage(): IndexUsageReport | undefined;
  /**
   * Writes the rules coverage reports (HTML, one per service that ever had rules) to `dir`;
   * returns the files written.
   */
  writeRulesCoverage(dir: string): string[];
  stop(): Promise<void>;
}

/** The variables that make firebase-admin, the Firebase CLI and our tests use the local stack. */
export function emulatorEnv(
  projectId: string,
  endpoints: Record<ServiceName, string>,
  hub: string,
) {
  return {
    FIREBASE_EMULATOR_HUB: hub,
    GCLOUD_PROJECT: projectId,
    FIREBASE_CONFIG: firebaseConfigJson(projectId),
    FIRESTORE_EMULATOR_HOST: endpoints.firestore,
    FIREBASE_STORAGE_EMULATOR_HOST: endpoints.storage,
    STORAGE_EMULATOR_HOST: `http://${endpoints.storage}`,
    FIREBASE_AUTH_EMULATOR_HOST: endpoints.auth,
    FUNCTIONS_EMULATOR_ORIGIN: `http://${endpoints.functions}`,
    // firebase-admin's getFunctions().taskQueue() enqueues here instead of Cloud Tasks.
    CLOUD_TASKS_EMULATOR_HOST: endpoints.tasks,
    // Without credentials, Google's auth library probes the cloud metadata server (a non-local
    // address) to find some; locally there is none, so tell it not to look.
    METADATA_SERVER_DETECTION: 'none',
  };
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const { projectId, host } = options;
  const portOf = (service: ServiceName) => (options.anyFreePort ? 0 : options.ports[service]);
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    // Stop in reverse order: functions first, so no trigger runs against a closed Firestore.
    for (const stop of stoppers.reverse()) await stop();
  };

  try {
    // Queries are checked against the project's index file, as production would check them,
    // unless FIRESTORE_INDEX_CHECKS=off.
    const firestore = new FirestoreEmulator({
      projectId,
      indexes: { file: options.firestoreIndexes, enabled: indexChecksEnabledByEnv() },
    });
    if (options.rulesFiles.firestore) firestore.rules.watch(options.rulesFiles.firestore);
    stoppers.push(async () => firestore.rules.unwatch());
    if (options.importDir) await firestore.importData(options.importDir);
    const firestorePort = await firestore.listen(host, portOf('firestore'));
    stoppers.push(() => firestore.close());
    const exportDir = options.exportOnExitDir;
    // Pushed after close() so that, run in reverse, the export happens while Firestore is up.
    if (exportDir) stoppers.push(async () => void (await firestore.exportData(exportDir)));

    const storage = new StorageEmulatorServer({ projectId });
    if (options.rulesFiles.storage) storage.rules.watch(options.rulesFiles.storage);
    stoppers.push(async () => storage.rules.unwatch());
    storage.firestoreLookup = (project, p) => firestore.documentForRules(project, p);
    const storagePort = await storage.listen(host, portOf('storage'));
    stoppers.push(() => storage.close());

    const auth = new AuthEmulatorServer({ projectId });
    const authPort = await auth.listen(host, portOf('auth'));
    stoppers.push(() => auth.close());

    const tasks = new CloudTasksEmulator();
    const tasksPort = await tasks.listen(host, portOf('tasks'));
    stoppers.push(() => tasks.close());

    const functions = new FunctionsHost({
      projectId,
      source: options.functionsSource,
      schedules: options.runSchedules ?? true,
      taskQueues: tasks,
    });
    const functionsPort = await functions.listen(host, portOf('functions'));
    stoppers.push(() => functions.close());

    // The functions run in this process and reach the emulators through these variables, so
    // they must be set before the functions module (and firebase-admin inside it) loads.
    const endpoints: Record<ServiceName, string> = {
      firestore: `${host}:${firestorePort}`,
      storage: `${host}:${storagePort}`,
      auth: `${host}:${authPort}`,
      functions: `${host}:${functionsPort}`,
      tasks: `${host}:${tasksPort}`,
    };
    const hub = new EmulatorHub();
    const hubPort = await hub.listen(host, options.anyFreePort ? 0 : options.hubPort);
    stoppers.push(() => hub.close());
    hub.register('firestore', endpoints.firestore);
    hub.register('storage', endpoints.storage);
    hub.register('auth', endpoints.auth);
    hub.register('functions', endpoints.functions);
    hub.register('tasks', endpoints.tasks);
    const env = emulatorEnv(projectId, endpoints, `${host}:${hubPort}`);
    Object.assign(process.env, env);
    await functions.load();
    const unsubscribe = firestore.onCommit((event) => functions.handleCommit(event));
    stoppers.push(async () => unsubscribe());
    // Every object change in Storage, by any API or SDK, reaches the Storage triggers.
    storage.onObjectEvent = (action, object) => functions.handleStorageObject(action, object);
    stoppers.push(async () => void (storage.onObjectEvent = undefined));

    const firestoreIndexUsage = () => firestore.indexUsage();
    const writeRulesCoverage = (dir: string): string[] => {
      const written: string[] = [];
      for (const [service, rules] of [
        ['firestore', firestore.rules],
        ['storage', storage.rules],
      ] as const) {
        const file = path.join(dir, `${service}-rules.html`);
        if (rules.writeCoverage(file)) written.push(file);
      }
      return written;
    };
    return {
      projectId,
      endpoints,
      env,
      functions,
      tasks,
      firestoreIndexUsage,
      writeRulesCoverage,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
