// Equipment CSV import and export. See read.ts, write.ts and docs/api.md for the format.
export * from './columns';
export * from './delimiter';
export * from './encoding';
export * from './errors';
export * from './formula';
export * from './read';
export * from './write';
