import { mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KdrillError } from '../../core/errors.js';
import type { DrillContext } from '../../contracts/types.js';
import { freePort } from '../../providers/local/ports.js';
import { logTail, startProcess, stopProcessGroup } from '../../providers/local/process.js';
import { versitygwBinary } from './binaries.js';
import type { VeleroOptions } from './options.js';
import { waitUntil } from './server.js';

/** The bucket Velero backs up to, and credentials for it. */
export interface ObjectStore {
  url: string;
  bucket: string;
  region: string;
  accessKey: string;
  secretKey: string;
  /** Ends a throw-away server kdrill started (no-op for your own S3). */
  stop(): Promise<void>;
}

const FACT = 'velero.objectStore';

/**
 * The object store of this drill: your S3 (`s3Url` or $KDRILL_VELERO_S3_URL, AWS credentials), or, for a
 * self-contained drill, a throw-away versitygw server kdrill starts in the run's work dir and keeps until the restore.
 */
export async function objectStoreFor(ctx: DrillContext, o: VeleroOptions): Promise<ObjectStore> {
  const known = ctx.facts.get(FACT) as ObjectStore | undefined;
  if (known) return known;
  const url = o.s3Url ?? process.env.KDRILL_VELERO_S3_URL;
  const store = url ? await ownStore(url, o) : await throwAwayStore(ctx, o);
  ctx.facts.set(FACT, store);
  return store;
}

/** Stop a throw-away store once the restore no longer needs it. */
export async function releaseObjectStore(ctx: DrillContext): Promise<void> {
  const store = ctx.facts.get(FACT) as ObjectStore | undefined;
  ctx.facts.delete(FACT);
  await store?.stop();
}

async function ownStore(url: string, o: VeleroOptions): Promise<ObjectStore> {
  const { accessKey, secretKey } = o.credentialsFile ? await fromCredentialsFile(o.credentialsFile) : fromEnv();
  return { url, bucket: o.bucket ?? 'velero', region: o.region ?? 'us-east-1', accessKey, secretKey, stop: async () => {} };
}

function fromEnv(): { accessKey: string; secretKey: string } {
  const accessKey = process.env.AWS_ACCESS_KEY_ID;
  const secretKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKey || !secretKey) {
    throw new KdrillError('E_SCENARIO_INVALID', 'strategy velero: no credentials for the bucket', { hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the option credentialsFile' });
  }
  return { accessKey, secretKey };
}

async function fromCredentialsFile(path: string): Promise<{ accessKey: string; secretKey: string }> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new KdrillError('E_SCENARIO_INVALID', `strategy velero: credentials file ${path} cannot be read`, { hint: 'an AWS shared-credentials file with a [default] profile' });
  });
  const value = (key: string) => new RegExp(`^\\s*${key}\\s*=\\s*(\\S+)`, 'm').exec(text)?.[1];
  const accessKey = value('aws_access_key_id');
  const secretKey = value('aws_secret_access_key');
  if (!accessKey || !secretKey) throw new KdrillError('E_SCENARIO_INVALID', `strategy velero: ${path} has no aws_access_key_id / aws_secret_access_key`, { hint: 'an AWS shared-credentials file with a [default] profile' });
  return { accessKey, secretKey };
}

async function throwAwayStore(ctx: DrillContext, o: VeleroOptions): Promise<ObjectStore> {
  const binary = versitygwBinary();
  if (!binary) {
    throw new KdrillError('E_BINARY_MISSING', 'strategy velero without s3Url needs versitygw for a throw-away S3 server, and it is not installed', {
      hint: 'bash tools/build-test-servers.sh, or give the option s3Url (or $KDRILL_VELERO_S3_URL) of your bucket',
    });
  }
  const dir = join(ctx.workDir, 'velero-s3');
  await mkdir(join(dir, 'data'), { recursive: true, mode: 0o700 });
  await mkdir(join(dir, 'versions'), { recursive: true });
  const port = await freePort();
  const accessKey = `kdrill${randomBytes(4).toString('hex')}`;
  const secretKey = randomBytes(20).toString('hex');
  const logFile = join(ctx.artifactsDir, 'velero-s3.log');
  const proc = startProcess(binary, ['--port', `127.0.0.1:${port}`, '--health', '/health', '--quiet', 'posix', '--versioning-dir', join(dir, 'versions'), join(dir, 'data')], logFile,
    { ...process.env, ROOT_ACCESS_KEY: accessKey, ROOT_SECRET_KEY: secretKey });
  const url = `http://127.0.0.1:${port}`;
  const store: ObjectStore = { url, bucket: o.bucket ?? 'velero', region: o.region ?? 'us-east-1', accessKey, secretKey, stop: () => stopProcessGroup(proc.pid, 5_000) };
  try {
    await waitUntil(async () => {
      if (proc.hasExited()) throw new KdrillError('E_COMMAND', `versitygw exited at start:\n${logTail(logFile)}`);
      return (await fetch(`${url}/health`).then((r) => r.ok).catch(() => false)) ? true : undefined;
    }, 30_000, ctx.signal, 'the throw-away S3 server answers', `log: ${logFile}`);
    // The AWS SDK costs ~0.3 s to load: only drills that run a throw-away bucket pay for it.
    const { CreateBucketCommand, S3Client } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({ region: store.region, endpoint: url, forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: store.bucket }));
    } finally {
      s3.destroy();
    }
  } catch (error) {
    await store.stop();
    throw error;
  }
  return store;
}
