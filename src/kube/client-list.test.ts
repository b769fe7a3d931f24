import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { KubeClient } from './client.js';

/**
 * A client on a LIST of three pages (one ConfigMap each) whose continue token expires (410) the first time it is
 * used; `requests` records the continue token of every request.
 */
async function pagedList(): Promise<{ client: KubeClient; requests: string[]; close(): void }> {
  const requests: string[] = [];
  let expired = false;
  const server = http.createServer((req, res) => {
    const token = new URL(req.url!, 'http://x').searchParams.get('continue');
    requests.push(token ?? 'first');
    res.setHeader('Content-Type', 'application/json');
    if (token && !expired) {
      expired = true;
      res.statusCode = 410;
      return res.end(JSON.stringify({ kind: 'Status', reason: 'Expired', message: 'The provided continue parameter is too old' }));
    }
    const page = Number(token ?? 0);
    res.end(JSON.stringify({ kind: 'ConfigMapList', metadata: page < 2 ? { continue: String(page + 1) } : {}, items: [{ metadata: { name: `cm-${page}` } }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const config = { server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, load: async () => ({ applyToHTTPSOptions: async () => undefined }) as unknown as KubeConfig };
  const client = new KubeClient(config);
  return { client, requests, close: () => (client.close(), server.close()) };
}

describe('KubeClient LISTs', () => {
  it('listAll starts again after an expired continue token and returns each object once', async () => {
    const { client, requests, close } = await pagedList();
    const list = await client.listAll('/api/v1/configmaps').finally(close);
    expect(list.items.map((o) => o.metadata.name)).toEqual(['cm-0', 'cm-1', 'cm-2']);
    expect(requests).toEqual(['first', '1', 'first', '1', '2']);
  });

  it('listEach hands over one page at a time and, after a restart, visits the first pages again', async () => {
    const { client, close } = await pagedList();
    const pages: string[][] = [];
    await client.listEach('/api/v1/configmaps', {}, (items) => void pages.push(items.map((o) => o.metadata.name))).finally(close);
    expect(pages).toEqual([['cm-0'], ['cm-0'], ['cm-1'], ['cm-2']]);
  });
});
