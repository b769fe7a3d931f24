import { mkdir, rename, rm } from 'node:fs/promises';
import { removeOnExit } from '../../core/cleanup.js';

/**
 * Fills a fresh `<target>.tmp-<pid>` folder with `fill` and puts it in place of `target` only once `fill` succeeded:
 * the binary cache never holds a partial or unverified folder, also after Ctrl-C (the temp folder is removed on exit).
 */
export async function replaceDir(target: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const forgetTmp = removeOnExit(tmp);
  try {
    await fill(tmp);
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  } finally {
    await rm(tmp, { recursive: true, force: true });
    forgetTmp();
  }
}
