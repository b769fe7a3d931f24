import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { ClusterLayout } from './layout.js';
import { sleep } from './process.js';

/** GET https://127.0.0.1:port/path with the given client cert; resolves with the status (0 when unreachable). */
export function tlsGet(port: number, path: string, l: ClusterLayout, client: 'etcd' | 'admin'): Promise<{ status: number; body: string }> {
  const cert = client === 'etcd' ? l.etcdClientCert : l.adminCert;
  const key = client === 'etcd' ? l.etcdClientKey : l.adminKey;
  return new Promise((resolve) => {
    const req = https.get(
      { host: '127.0.0.1', port, path, ca: readFileSync(l.caCert), cert: readFileSync(cert), key: readFileSync(key), timeout: 2000 },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/**
 * Poll `probe` every 100 ms until it returns true, the deadline passes, or `failed` reports the process died.
 * Returns true on success.
 */
export async function pollUntil(probe: () => Promise<boolean>, timeoutMs: number, failed: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (failed()) return false;
    if (await probe()) return true;
    await sleep(100);
  }
  return false;
}
