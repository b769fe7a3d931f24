import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Poll `probe` until true; throws after `timeoutMs` so a test fails with a reason instead of hanging. The default is
 * generous: a condition that holds in seconds here must still hold on a machine five times slower.
 */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs = 5 * 60_000, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Files under `dir` (recursive) whose bytes contain any of `needles`: returns "path: needle-index" hits, never the needle. */
export async function grepDir(dir: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  const buffers = needles.map((n) => Buffer.from(n));
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && (await stat(path)).size > 0) {
        const handle = await open(path, 'r');
        const data = await handle.readFile();
        await handle.close();
        buffers.forEach((b, i) => {
          if (data.includes(b)) hits.push(`${path}: needle #${i}`);
        });
      }
    }
  };
  await walk(dir);
  return hits;
}
