import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { DrillDocument, ScenarioDocument } from './schema.js';

/** Where the editor schemas live, relative to the repository root. */
export const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));

const DOCUMENTS: Record<string, TSchema> = {
  'scenario.schema.json': ScenarioDocument,
  'drill.schema.json': DrillDocument,
};

/** The editor JSON Schemas (draft-07) by file name, as text: exactly what `schema/` must hold. */
export function generateSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, schema] of Object.entries(DOCUMENTS)) {
    // JSON.stringify drops TypeBox's symbol keys, leaving plain JSON Schema.
    const plain = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
    out[name] = `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...plain }, null, 2)}\n`;
  }
  return out;
}

/** Writes the generated schemas into `dir` and returns the paths written. */
export async function writeSchemas(dir = SCHEMA_DIR): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(generateSchemas())) {
    const file = path.join(dir, name);
    await writeFile(file, text);
    written.push(file);
  }
  return written;
}

// `node --import tsx src/scenario/export-schema.ts` regenerates schema/*.json.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  for (const file of await writeSchemas()) process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}
