import { existsSync } from 'node:fs';
import { canaryNeedles } from '../checks/scan/needles.js';
import { scanFiles } from '../checks/scan/scan-files.js';

/** `file at byte N` for every canary (plain, base64, base64url) found in `files`; missing files are skipped. */
export async function findCanaries(files: readonly string[], canaries: readonly string[]): Promise<string[]> {
  const { needles } = canaryNeedles(canaries);
  const present = files.filter((f) => existsSync(f));
  if (needles.length === 0 || present.length === 0) return [];
  const report = await scanFiles(present, needles);
  return report.hits.map((h) => `${h.file} at byte ${h.offset} (${h.form})`);
}
