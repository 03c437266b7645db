// Types for the part of firebase-tools' JavaScript Auth emulator that we reuse. firebase-tools
// ships no declarations for its lib/ internals; this describes only what our wrapper calls
// (checked against firebase-tools 15.x).

declare module 'firebase-tools/lib/emulator/auth/index' {
  /** How the emulator treats requests for a project other than the default one. */
  export enum SingleProjectMode {
    NO_WARNING = 0,
    WARNING = 1,
    ERROR = 2,
  }
}

declare module 'firebase-tools/lib/emulator/auth/server' {
  import type { RequestListener } from 'node:http';
  import type { SingleProjectMode } from 'firebase-tools/lib/emulator/auth/index';
  /** Returns an express application, which is a plain Node request listener. */
  export function createApp(
    defaultProjectId: string,
    singleProjectMode?: SingleProjectMode,
    projectStateForId?: Map<string, unknown>,
  ): Promise<RequestListener>;
}
