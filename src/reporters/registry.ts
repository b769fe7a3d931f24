import { mkdir } from 'node:fs/promises';
import { KdrillError } from '../core/errors.js';
import type { Reporter, RunResults } from '../contracts/types.js';
import { jsonReporter } from './json.js';
import { junitReporter } from './junit.js';
import { markdownReporter } from './markdown.js';

/** Every reporter by id; `kdrill run` writes all of them. */
export const REPORTERS: Record<string, Reporter> = {
  json: jsonReporter,
  junit: junitReporter,
  markdown: markdownReporter,
} satisfies Record<string, Reporter>;

/** Write `results` with every reporter (or those named in `ids`) into outDir; resolves to the paths written. */
export async function renderAll(results: RunResults, outDir: string, ids: string[] = Object.keys(REPORTERS)): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const paths: string[] = [];
  for (const id of ids) {
    const reporter = REPORTERS[id];
    if (!reporter) {
      throw new KdrillError('E_UNKNOWN_PLUGIN', `unknown reporter ${id}`, { hint: `known reporters: ${Object.keys(REPORTERS).join(', ')}` });
    }
    paths.push(...(await reporter.write(results, outDir)));
  }
  return paths;
}
