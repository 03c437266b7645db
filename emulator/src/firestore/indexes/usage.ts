// Which declared entries of firestore.indexes.json served queries, so that indexes no query
// uses (dead weight in production: storage and write cost) are visible after a test run.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { IndexConfig } from './config';
import type { IndexUse } from './planner';

export interface UsageEntry {
  section: 'indexes' | 'fieldOverrides';
  /** The entry as written in the file. */
  entry: unknown;
  /** How many checked queries it served. */
  queries: number;
}

export interface IndexUsageReport {
  file: string;
  /** Queries checked against the file (not those run with checks off). */
  queriesChecked: number;
  used: UsageEntry[];
  unused: UsageEntry[];
  /** Field overrides that only exempt a field or set a TTL: not meant to serve queries. */
  exemptions: UsageEntry[];
}

function keyOf(section: string, entry: unknown): string {
  return `${section}\u0000${JSON.stringify(entry)}`;
}

export class IndexUsage {
  private readonly counts = new Map<string, number>();
  private checked = 0;

  record(uses: IndexUse[]): void {
    this.checked += 1;
    for (const u of uses) {
      const key =
        u.kind === 'index'
          ? keyOf('indexes', u.index.source)
          : keyOf('fieldOverrides', u.override.source);
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
  }

  /** Usage of every entry of `config` (the file as it is now). */
  report(file: string, config: IndexConfig): IndexUsageReport {
    const report: IndexUsageReport = {
      file,
      queriesChecked: this.checked,
      used: [],
      unused: [],
      exemptions: [],
    };
    const add = (section: UsageEntry['section'], entry: unknown, exemption: boolean): void => {
      const queries = this.counts.get(keyOf(section, entry)) ?? 0;
      const item = { section, entry, queries };
      if (queries > 0) report.used.push(item);
      else if (exemption) report.exemptions.push(item);
      else report.unused.push(item);
    };
    for (const ix of config.indexes) add('indexes', ix.source, false);
    for (const o of config.fieldOverrides) {
      const addsIndexes = (o.indexes ?? []).length > 0;
      add('fieldOverrides', o.source, !addsIndexes);
    }
    return report;
  }
}

/** One line for the end of a test run. */
export function usageSummary(report: IndexUsageReport, reportFile: string): string {
  const declared = report.used.length + report.unused.length;
  const unused = report.unused
    .map((u) => {
      const e = u.entry as {
        collectionGroup?: string;
        fieldPath?: string;
        fields?: { fieldPath?: string }[];
      };
      const fields = e.fields ? e.fields.map((f) => f.fieldPath).join(',') : e.fieldPath;
      return `${u.section === 'indexes' ? 'index' : 'override'} ${e.collectionGroup}(${fields})`;
    })
    .join('; ');
  return (
    `firestore indexes: ${report.used.length} of ${declared} declared entries served the ` +
    `${report.queriesChecked} checked queries` +
    (report.unused.length > 0 ? `; unused: ${unused}` : '') +
    ` (report: ${reportFile})`
  );
}

export async function writeUsageReport(
  reportFile: string,
  report: IndexUsageReport,
): Promise<void> {
  await fsp.mkdir(path.dirname(reportFile), { recursive: true });
  await fsp.writeFile(reportFile, JSON.stringify(report, null, 2) + '\n');
}
