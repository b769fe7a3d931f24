import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Folders below the engine: they may use contracts, core and each other, never the engine or the CLI that drive them. */
const BELOW_ENGINE = ['audit', 'bootstrap', 'chaos', 'checks', 'contracts', 'core', 'crypto', 'drift', 'fixtures', 'kube', 'metrics', 'providers', 'reporters', 'store', 'strategies'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function importedFolders(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => relative(SRC, resolve(dirname(file), m[1]!)).split('/')[0]!);
}

describe('layering', () => {
  it.each(BELOW_ENGINE)('src/%s imports neither engine/ nor cli/', (folder) => {
    const offenders = sourceFiles(join(SRC, folder)).flatMap((file) =>
      importedFolders(file).filter((f) => f === 'engine' || f === 'cli').map((f) => `${relative(SRC, file)} → ${f}/`),
    );
    expect(offenders).toEqual([]);
  });
});
