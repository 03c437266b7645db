// The rules one service enforces right now: loaded from a string (the emulator endpoints
// rules-unit-testing calls) or from a file that is watched for changes. A file that stops
// parsing is reported with file:line:column and the last good rules stay in force.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Ruleset } from './engine';
import { coverageHtml } from './coverage';

const WATCH_INTERVAL_MS = 200;
const MAX_HISTORY = 50;

export class LoadedRules {
  private current: Ruleset | undefined;
  /** Every ruleset in force since start, for the coverage report (same source = same entry). */
  private readonly history: Ruleset[] = [];
  private watched: string | undefined;

  constructor(
    /** `Firestore` or `Storage`, for log lines. */
    private readonly label: string,
    private readonly log: (line: string) => void = (line) => console.log(line),
  ) {}

  /** The rules in force; undefined = none loaded, so nothing is enforced. */
  get ruleset(): Ruleset | undefined {
    return this.current;
  }

  /** Replaces the rules; throws RulesSyntaxError (and keeps the old ones) if they do not parse. */
  load(source: string, file: string): Ruleset {
    const seen = this.history.find((r) => r.file.source === source && r.file.file === file);
    const next = seen ?? Ruleset.parse(source, file);
    // The most recently loaded goes last, so the report lists it first.
    if (seen) this.history.splice(this.history.indexOf(seen), 1);
    this.history.push(next);
    if (this.history.length > MAX_HISTORY) this.history.shift();
    this.current = next;
    return next;
  }

  /** Loads `file` now and again whenever it changes on disk. */
  watch(file: string): void {
    this.unwatch();
    this.watched = file;
    this.reloadFile(file, 'loaded');
    fs.watchFile(file, { interval: WATCH_INTERVAL_MS, persistent: false }, (now, before) => {
      if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) {
        this.reloadFile(file, 'reloaded');
      }
    });
  }

  unwatch(): void {
    if (this.watched) fs.unwatchFile(this.watched);
    this.watched = undefined;
  }

  private reloadFile(file: string, verb: string): void {
    const name = path.basename(file);
    let source: string;
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch (err) {
      this.log(`${this.label} rules: cannot read ${file}: ${(err as Error).message}`);
      return;
    }
    try {
      this.load(source, name);
      this.log(`${this.label} rules ${verb} from ${file}`);
    } catch (err) {
      const keep = this.current ? 'the previous rules stay in force' : 'no rules are in force';
      this.log(`${this.label} rules: ${(err as Error).message} (${keep})`);
    }
  }

  /** The coverage report (HTML) of every ruleset in force since start, newest first. */
  coverageReport(): string | undefined {
    if (this.history.length === 0) return undefined;
    return coverageHtml([...this.history].reverse(), `${this.label} rules coverage`);
  }

  /** Writes the coverage report to `file`; false when no rules were ever loaded. */
  writeCoverage(file: string): boolean {
    const html = this.coverageReport();
    if (!html) return false;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, html);
    return true;
  }
}

/** A rules upload as rules-unit-testing sends it: `{"rules": {"files": [{name, content}]}}`. */
export interface RulesFileUpload {
  name?: string;
  content: string;
}

/** Reads and checks a rules upload body (Firestore's :securityRules, Storage's setRules). */
export async function readRulesBody(
  req: AsyncIterable<Buffer | string>,
): Promise<RulesFileUpload[]> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Error('The request body is not JSON');
  }
  const files = (body as { rules?: { files?: unknown } } | null)?.rules?.files;
  if (!Array.isArray(files) || files.length === 0) {
    throw new Error('Expected {"rules": {"files": [{"name": ..., "content": ...}]}}');
  }
  return files.map((f: unknown) => {
    const file = f as { name?: unknown; content?: unknown };
    if (typeof file.content !== 'string') throw new Error('A rules file needs a string content');
    return typeof file.name === 'string'
      ? { name: file.name, content: file.content }
      : { content: file.content };
  });
}
