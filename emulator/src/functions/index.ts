// The functions host's public surface, for the stack's CLI.
export { FunctionsHost, type FunctionsHostOptions } from './host';
export type { FunctionKind } from './discovery';
export type { RetryPolicy } from './delivery';
export type { InvocationLog, InvocationLogger } from './log';
export type { ScheduleOutcome } from './http';
