// firestore.indexes.json, read at start and again whenever it changes. An invalid file never
// replaces a good one: the last good configuration stays in force and a log line says why.
import * as fs from 'node:fs';
import {
  EMPTY_INDEX_CONFIG,
  IndexConfigError,
  parseIndexConfigText,
  type IndexConfig,
} from './config';

/** How often the file's metadata is polled (fs.watchFile: robust to editors that replace files). */
const POLL_MS = 200;

export class WatchedIndexFile {
  private config: IndexConfig = EMPTY_INDEX_CONFIG;
  private lastText: string | undefined;
  private readonly onChange = (): void => this.load('reloaded');

  constructor(
    readonly file: string,
    private readonly log: (line: string) => void,
  ) {
    this.load('loaded');
    fs.watchFile(file, { interval: POLL_MS, persistent: false }, this.onChange);
  }

  /** The last valid configuration (empty when the file never existed or was never valid). */
  current(): IndexConfig {
    return this.config;
  }

  close(): void {
    fs.unwatchFile(this.file, this.onChange);
  }

  private load(verb: 'loaded' | 'reloaded'): void {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (this.lastText !== undefined || verb === 'loaded') {
        this.log(
          `firestore: ${this.file} does not exist; queries are checked against automatic ` +
            `single-field indexes only` +
            (this.lastText !== undefined ? ' (the file was removed)' : ''),
        );
      }
      this.config = EMPTY_INDEX_CONFIG;
      this.lastText = undefined;
      return;
    }
    if (text === this.lastText) return;
    this.lastText = text;
    try {
      this.config = parseIndexConfigText(text);
    } catch (err) {
      if (!(err instanceof IndexConfigError)) throw err;
      this.log(
        `firestore: ${this.file} is invalid (${err.message}); keeping the last good index ` +
          `configuration (${describe(this.config)})`,
      );
      return;
    }
    this.log(`firestore: index configuration ${verb} from ${this.file} (${describe(this.config)})`);
  }
}

function describe(config: IndexConfig): string {
  return `${config.indexes.length} composite indexes, ${config.fieldOverrides.length} field overrides`;
}
