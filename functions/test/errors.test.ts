// Every 409 says why in `details.reason`, a word a script can branch on: conflicts are made by
// domain/errors.ts `conflict(reason, ...)` only, never by a bare AppError('conflict', ...).
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { AppError, conflict } from '../src/domain/errors';

const src = path.resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

describe('409 replies', () => {
  it('conflict() puts the reason first in details, beside the other details', () => {
    const err = conflict('asset_id_taken', 'An item with assetId X exists already', {
      assetId: 'X',
    });
    assert.ok(err instanceof AppError);
    assert.equal(err.code, 'conflict');
    assert.deepEqual(err.details, { reason: 'asset_id_taken', assetId: 'X' });
  });

  it('no source file makes a 409 without a reason', () => {
    const maker = path.join(src, 'domain', 'errors.ts');
    const bare = sourceFiles(src).filter(
      (file) => file !== maker && /new AppError\(\s*'conflict'/.test(readFileSync(file, 'utf8')),
    );
    assert.deepEqual(
      bare.map((f) => path.relative(src, f)),
      [],
    );
  });
});
