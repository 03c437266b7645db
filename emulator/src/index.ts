// The local Firebase stack as a library: each emulator on its own, or the whole stack at once.
export { FirestoreEmulator } from './firestore/server';
export type { CommitEvent, CommitListener, DocumentChange } from './firestore/events';
export { StorageEmulatorServer } from './storage/server';
export { AuthEmulatorServer } from './auth/server';
export { FunctionsHost } from './functions/host';
export { CloudTasksEmulator } from './tasks/server';
export { loadStackConfig, type StackConfig } from './config';
export { emulatorEnv, startStack, type RunningStack, type StackOptions } from './stack';
export { ensureUser, signInAs, type SignedIn } from './auth/idTokens';
