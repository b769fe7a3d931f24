import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startTestServer, testBinary } from './test-bin.js';

/** versitygw (github.com/versity/versitygw) binary, or why tests skip. */
export const versitygwBinary = testBinary('versitygw');

/** A running versitygw over a posix folder, with versioning (so Object Lock works). */
export interface Versitygw {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** The posix data folder: bucket `b` is `${dataDir}/b`, object `k` is `${dataDir}/b/k`. */
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts versitygw on a free 127.0.0.1 port with fresh root credentials and a temp data folder (xattrs must work there). */
export async function startVersitygw(): Promise<Versitygw> {
  if (!versitygwBinary.path) throw new Error(versitygwBinary.skipReason);
  const dir = await mkdtemp(join(tmpdir(), 'kdrill-versitygw-'));
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  await mkdir(join(dir, 'versions'));
  const port = await freePort();
  const accessKey = 'kdrilltest' + randomBytes(4).toString('hex');
  const secretKey = randomBytes(20).toString('hex');
  const server = await startTestServer({
    name: 'versitygw',
    command: versitygwBinary.path,
    args: ['--port', `127.0.0.1:${port}`, '--health', '/health', '--quiet', 'posix', '--versioning-dir', join(dir, 'versions'), dataDir],
    env: { ROOT_ACCESS_KEY: accessKey, ROOT_SECRET_KEY: secretKey },
    port,
    cwd: dir,
  }).catch(async (error) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKey,
    secretKey,
    dataDir,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
