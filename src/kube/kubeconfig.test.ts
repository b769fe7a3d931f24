import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForApiReady } from '../providers/ready.js';
import { KubeClient } from './client.js';
import { kubeconfigServer } from './kubeconfig.js';

let dir: string;
let server: Server;
let seen: { path: string; auth: string | undefined }[];

const kubeconfig = (port: number) => `
apiVersion: v1
kind: Config
current-context: a
contexts:
- { name: a, context: { cluster: one, user: alice } }
- { name: b, context: { cluster: two, user: bob } }
clusters:
- { name: one, cluster: { server: "http://127.0.0.1:${port}/", insecure-skip-tls-verify: true } }
- { name: two, cluster: { server: "https://two.example:6443" } }
users:
- { name: alice, user: { token: alice-token } }
- { name: bob, user: { token: bob-token } }
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-kubeconfig-'));
  seen = [];
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', auth: req.headers.authorization });
    res.setHeader('content-type', 'application/json');
    res.end('{"gitVersion":"v1.37.2"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('KubeClient.fromFile', () => {
  it('knows the server at once and loads the credentials of the chosen context with the first request', async () => {
    const port = (server.address() as { port: number }).port;
    const file = join(dir, 'config');
    await writeFile(file, kubeconfig(port));
    expect(kubeconfigServer(file, 'b')).toBe('https://two.example:6443');
    const client = KubeClient.fromFile(file);
    expect(client.server).toBe(`http://127.0.0.1:${port}`);
    const [a, b] = await Promise.all([client.get('/version'), client.get('/version')]);
    expect([a, b]).toEqual([{ gitVersion: 'v1.37.2' }, { gitVersion: 'v1.37.2' }]);
    expect(seen).toEqual([{ path: '/version', auth: 'Bearer alice-token' }, { path: '/version', auth: 'Bearer alice-token' }]);
    client.close();
  });

  it('fails at once with E_KUBECONFIG for a missing file or a context without a cluster', async () => {
    expect(() => KubeClient.fromFile(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'E_KUBECONFIG', message: expect.stringContaining('cannot read kubeconfig') }));
    const file = join(dir, 'config');
    expect(() => KubeClient.fromFile(file, 'nope')).toThrow(expect.objectContaining({ code: 'E_KUBECONFIG', message: 'the kubeconfig has no current cluster' }));
    await writeFile(join(dir, 'bad'), 'clusters: [ {');
    expect(() => KubeClient.fromFile(join(dir, 'bad'))).toThrow(expect.objectContaining({ code: 'E_KUBECONFIG' }));
  });

  it('reports a kubeconfig that client-node refuses with the first request, and waiting for the API stops at once', async () => {
    const file = join(dir, 'half-valid');
    await writeFile(file, kubeconfig(1).replace('- { name: two, cluster: { server: "https://two.example:6443" } }', '- { name: two, cluster: {} }'));
    const client = KubeClient.fromFile(file);
    await expect(client.get('/version')).rejects.toMatchObject({ code: 'E_KUBECONFIG', message: expect.stringContaining('clusters[1].cluster.server is missing') });
    await expect(waitForApiReady(file, 600_000, { label: 'test', intervalMs: 10 })).rejects.toMatchObject({ code: 'E_KUBECONFIG' });
  });
});
