import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { execa } from 'execa';
import { KdrillError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ReleaseFile } from './release-urls.js';

/** Why an official download cannot be used (HTTP error, no network, truncated body): the caller builds with Go instead. */
export class DownloadUnavailable extends Error {
  override name = 'DownloadUnavailable';
}

type Algorithm = 'sha256' | 'sha512';
interface Digest {
  algorithm: Algorithm;
  hex: string;
  /** Where the digest was published (named in errors). */
  source: string;
}

/** Time allowed for response headers (connect included), and between two chunks of a body. */
export const TIMEOUTS = { headersMs: 20_000, idleMs: 30_000 };
const MB = 1e6;

/**
 * Downloads the Kubernetes binaries into `dir` (already a temp folder), each verified against its published digest
 * before it is made executable. E_CHECKSUM (nothing kept) on a mismatch; DownloadUnavailable when a file is missing.
 */
export async function downloadKubernetes(files: readonly ReleaseFile[], dir: string, logger: Logger): Promise<number> {
  let bytes = 0;
  for (const file of files) {
    if (file.checksums.kind !== 'digest') throw new KdrillError('E_INTERNAL', `${file.name}: expected a per-file digest`);
    const expected = await publishedDigest(file.checksums.urls);
    const path = join(dir, file.name);
    const got = await fetchToFile(file.url, path, expected.algorithm, logger);
    verify(file, expected, got.hex);
    await chmod(path, 0o755);
    bytes += got.bytes;
  }
  return bytes;
}

/** Downloads etcd's release archive into `dir`, verifies it against SHA256SUMS, then unpacks etcd, etcdctl, etcdutl. */
export async function downloadEtcd(file: ReleaseFile & { archiveDir: string }, dir: string, logger: Logger): Promise<number> {
  if (file.checksums.kind !== 'sums') throw new KdrillError('E_INTERNAL', `${file.name}: expected a SHA256SUMS list`);
  const expected = digestFromSums((await fetchText(file.checksums.url)) ?? '', file.name, file.checksums.url);
  const archive = join(dir, file.name);
  const got = await fetchToFile(file.url, archive, 'sha256', logger);
  verify(file, expected, got.hex);
  const members = ['etcd', 'etcdctl', 'etcdutl'].map((b) => `${file.archiveDir}/${b}`);
  const untar = await execa('tar', ['-xzf', archive, '-C', dir, '--no-same-owner', '--strip-components=1', ...members], { reject: false, all: true });
  if (untar.exitCode !== 0) throw new DownloadUnavailable(`${file.name} does not hold ${members.join(', ')}: ${(untar.all ?? '').split('\n')[0]}`);
  await rm(archive);
  for (const binary of ['etcd', 'etcdctl', 'etcdutl']) await chmod(join(dir, binary), 0o755);
  return got.bytes;
}

/** `<file>.sha256` beside the file, else `<file>.sha512`: one hex digest (optionally followed by a file name). */
async function publishedDigest(urls: Record<Algorithm, string>): Promise<Digest> {
  for (const algorithm of ['sha256', 'sha512'] as const) {
    const text = await fetchText(urls[algorithm], { missingOk: true });
    if (text === undefined) continue;
    const hex = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    if (!isHex(hex, algorithm)) throw new DownloadUnavailable(`${urls[algorithm]} holds no ${algorithm} digest`);
    return { algorithm, hex, source: urls[algorithm] };
  }
  throw new DownloadUnavailable(`no published checksum (${urls.sha256}, ${urls.sha512}: HTTP 404)`);
}

/** The digest of `name` in a SHA256SUMS list (`<hex>  <name>` per line, as `sha256sum` writes it). */
export function digestFromSums(text: string, name: string, source: string): Digest {
  for (const line of text.split('\n')) {
    const [hex, file] = line.trim().split(/\s+\*?/);
    if (file === name && hex && isHex(hex.toLowerCase(), 'sha256')) return { algorithm: 'sha256', hex: hex.toLowerCase(), source };
  }
  throw new DownloadUnavailable(`${source} lists no sha256 for ${name}`);
}

function isHex(hex: string, algorithm: Algorithm): boolean {
  return new RegExp(`^[0-9a-f]{${algorithm === 'sha256' ? 64 : 128}}$`).test(hex);
}

function verify(file: ReleaseFile, expected: Digest, actual: string): void {
  if (actual === expected.hex) return;
  throw new KdrillError('E_CHECKSUM', `${file.name} from ${file.url} does not match its published ${expected.algorithm}: expected ${expected.hex} (${expected.source}), got ${actual}; nothing was cached`, {
    hint: 'the download or the mirror is corrupt or was tampered with: check KDRILL_BINARY_MIRROR and retry, or build from source with `kdrill cluster build --from-source`',
  });
}

async function fetchText(url: string, options: { missingOk?: boolean } = {}): Promise<string | undefined> {
  const { response, done } = await request(url);
  try {
    if (response.status === 404 && options.missingOk) return undefined;
    if (!response.ok) throw new DownloadUnavailable(`HTTP ${response.status} from ${url}`);
    return await response.text();
  } catch (error) {
    throw unavailable(error, url);
  } finally {
    done();
  }
}

/** Streams `url` to `path` (mode 0600, not executable) while hashing it; a body shorter than Content-Length is an error. */
async function fetchToFile(url: string, path: string, algorithm: Algorithm, logger: Logger): Promise<{ bytes: number; hex: string }> {
  const { response, alive, done } = await request(url);
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const hash = createHash(algorithm);
  let bytes = 0;
  try {
    if (!response.ok || !response.body) throw new DownloadUnavailable(`HTTP ${response.status} from ${url}`);
    const started = Date.now();
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), counter(hash, (n) => ((bytes += n), alive())), createWriteStream(path, { mode: 0o600 }));
    if (Number.isFinite(declared) && bytes !== declared) throw new DownloadUnavailable(`${url} was truncated: ${bytes} of ${declared} bytes`);
    logger.debug('downloaded', { url, mb: (bytes / MB).toFixed(1), seconds: ((Date.now() - started) / 1000).toFixed(1) });
    return { bytes, hex: hash.digest('hex') };
  } catch (error) {
    if (!(error instanceof DownloadUnavailable) && Number.isFinite(declared) && bytes < declared) {
      throw new DownloadUnavailable(`${url} was truncated: ${bytes} of ${declared} bytes (${describe(error)})`);
    }
    throw unavailable(error, url);
  } finally {
    done();
  }
}

function counter(hash: Hash, onChunk: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      onChunk(chunk.length);
      callback(null, chunk);
    },
  });
}

/**
 * fetch() with a deadline for the headers and an idle deadline for the body (`alive()` re-arms it); refuses a
 * redirect from https to plain http, which would let anyone on the path serve both a file and its checksum.
 */
async function request(url: string): Promise<{ response: Response; alive: () => void; done: () => void }> {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new DownloadUnavailable(`no answer from ${url} in ${TIMEOUTS.headersMs / 1000} s`)), TIMEOUTS.headersMs);
  const alive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new DownloadUnavailable(`${url} sent nothing for ${TIMEOUTS.idleMs / 1000} s`)), TIMEOUTS.idleMs);
  };
  const done = () => clearTimeout(timer);
  try {
    const response = await fetch(url, { signal: controller.signal, headers: { 'accept-encoding': 'identity' } });
    if (url.startsWith('https:') && !response.url.startsWith('https:')) throw new DownloadUnavailable(`${url} redirected to ${response.url}: refused (https to http)`);
    alive();
    return { response, alive, done };
  } catch (error) {
    done();
    throw unavailable(error, url);
  }
}

function unavailable(error: unknown, url: string): Error {
  if (error instanceof DownloadUnavailable || error instanceof KdrillError) return error;
  return new DownloadUnavailable(`cannot download ${url}: ${describe(error)}`);
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const message = error instanceof Error ? error.message : String(error);
  return cause?.code ? `${message} (${cause.code})` : cause?.message ? `${message} (${cause.message})` : message;
}
