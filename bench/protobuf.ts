import https from 'node:https';
import { loadKubeConfig } from '../src/kube/kubeconfig.js';

/**
 * Just enough of Kubernetes' protobuf wire format to POST a Secret (name, namespace, labels, type, data): the
 * `writes` suite's measure of what the apiserver saves when it neither parses nor prints JSON. Bench-only: a restore
 * must never drop a field it cannot encode, and this encoder knows five.
 */
export const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export interface SecretBody {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  type: string;
  /** base64, as in JSON. */
  data: Record<string, string>;
}

/** The envelope (magic + runtime.Unknown) around a core/v1 Secret. */
export function encodeSecret(secret: SecretBody): Buffer {
  const { name, namespace, labels = {} } = secret.metadata;
  const meta = Buffer.concat([str(1, name), str(3, namespace), ...Object.entries(labels).map(([k, v]) => bytes(11, Buffer.concat([str(1, k), str(2, v)])))]);
  const data = Object.entries(secret.data).map(([k, v]) => bytes(2, Buffer.concat([str(1, k), bytes(2, Buffer.from(v, 'base64'))])));
  const raw = Buffer.concat([bytes(1, meta), ...data, str(3, secret.type)]);
  const typeMeta = Buffer.concat([str(1, 'v1'), str(2, 'Secret')]);
  return Buffer.concat([MAGIC, bytes(1, typeMeta), bytes(2, raw)]);
}

/** A keep-alive POST of raw bytes to the cluster of `kubeconfigPath`; resolves with the status code (the body is read and dropped). */
export async function rawPoster(kubeconfigPath: string): Promise<(path: string, body: Buffer, contentType: string, accept: string) => Promise<number>> {
  const kc = await loadKubeConfig(kubeconfigPath);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const agent = new https.Agent({ ca: opts.ca, cert: opts.cert, key: opts.key, keepAlive: true, maxSockets: 32 });
  const server = kc.getCurrentCluster()!.server;
  return (path, body, contentType, accept) =>
    new Promise((resolve, reject) => {
      const req = https.request(new URL(server + path), { method: 'POST', agent, headers: { 'Content-Type': contentType, Accept: accept, 'Content-Length': body.length } }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => ((res.statusCode ?? 0) < 300 ? resolve(res.statusCode!) : reject(new Error(`POST ${path}: HTTP ${res.statusCode}`))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
}

function str(field: number, value: string): Buffer {
  return bytes(field, Buffer.from(value, 'utf8'));
}

/** A length-delimited field (wire type 2). */
function bytes(field: number, value: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(value.length), value]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
