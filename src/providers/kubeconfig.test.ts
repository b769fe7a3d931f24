import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { isKdrillError, type KdrillError } from '../core/errors.js';
import { kubeconfigProvider, openKubeconfigCluster } from './kubeconfig.js';
import { chooseContext, pinContext, resolveKubeconfigPath } from './kubeconfig-file.js';

let dir: string;
let closedPort: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-kubeconfig-test-'));
  closedPort = await freePortThenClose();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function kubeconfig(server: string, extra: { current?: string | null; contexts?: string[] } = {}): string {
  const contexts = extra.contexts ?? ['one'];
  const current = extra.current === null ? '' : `current-context: ${extra.current ?? contexts[0]}\n`;
  return [
    'apiVersion: v1',
    'kind: Config',
    current.trimEnd(),
    'clusters:',
    '- name: c1',
    '  cluster:',
    `    server: ${server}`,
    '    certificate-authority: pki/ca.crt',
    'users:',
    '- name: u1',
    '  user:',
    '    token: sekret-token-value',
    'contexts:',
    ...contexts.flatMap((name) => [`- name: ${name}`, '  context:', '    cluster: c1', '    user: u1']),
  ]
    .filter((line) => line !== '')
    .join('\n');
}

async function expectKubeconfigError(file: string, context: string | undefined, pattern: RegExp): Promise<KdrillError> {
  const error = await openKubeconfigCluster({ path: file, context, logger: silentLogger }).catch((e: unknown) => e);
  expect(isKdrillError(error)).toBe(true);
  const k = error as KdrillError;
  expect(k.code).toBe('E_KUBECONFIG');
  expect(k.message).toMatch(pattern);
  expect(k.hint).toBeTruthy();
  expect(k.message).not.toContain('sekret-token-value');
  return k;
}

async function write(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('kubeconfig provider: bad kubeconfigs fail with E_KUBECONFIG naming the file', () => {
  it('missing file', async () => {
    const file = join(dir, 'nope.yaml');
    await expectKubeconfigError(file, undefined, new RegExp(`${file} does not exist`));
  });

  it('invalid YAML, without quoting the file (it may hold a token)', async () => {
    const file = await write('bad.yaml', 'clusters:\n  - name: a\n    token: sekret-token-value\n  bad: [unclosed\n');
    const error = await expectKubeconfigError(file, undefined, /is not valid YAML/);
    expect(error.message).toContain(file);
  });

  it('a YAML file that is not a kubeconfig', async () => {
    const file = await write('list.yaml', '- just\n- a list\n');
    await expectKubeconfigError(file, undefined, /is not a kubeconfig/);
  });

  it('no current context and no context option: lists the contexts it has', async () => {
    const file = await write('nocurrent.yaml', kubeconfig('https://127.0.0.1:1', { current: null, contexts: ['alpha', 'beta'] }));
    const error = await expectKubeconfigError(file, undefined, /has no current-context/);
    expect(error.hint).toContain('alpha, beta');
  });

  it('unknown context', async () => {
    const file = await write('ctx.yaml', kubeconfig('https://127.0.0.1:1', { contexts: ['alpha'] }));
    await expectKubeconfigError(file, 'gamma', /context "gamma" is not in kubeconfig .*ctx\.yaml \(it has: alpha\)/);
  });

  it('unreachable server: names server, context and file', async () => {
    const server = `https://127.0.0.1:${closedPort}`;
    const file = await write('down.yaml', kubeconfig(server).replace('    certificate-authority: pki/ca.crt\n', '    insecure-skip-tls-verify: true\n'));
    const error = await expectKubeconfigError(file, undefined, new RegExp(`cannot reach ${server} \\(context one in .*down\\.yaml\\)`));
    expect(error.hint).toContain('kubectl --kubeconfig');
  });
});

describe('kubeconfig file helpers', () => {
  it('resolves the path: option, then a single $KUBECONFIG, then ~/.kube/config; refuses a KUBECONFIG list', () => {
    expect(resolveKubeconfigPath('~/k.yaml', {}, '/home/u')).toBe('/home/u/k.yaml');
    expect(resolveKubeconfigPath(undefined, { KUBECONFIG: '/etc/k.yaml' }, '/home/u')).toBe('/etc/k.yaml');
    expect(resolveKubeconfigPath(undefined, {}, '/home/u')).toBe('/home/u/.kube/config');
    expect(() => resolveKubeconfigPath(undefined, { KUBECONFIG: '/a:/b' }, '/home/u')).toThrow(/KUBECONFIG lists 2 files/);
  });

  it('rejects a context whose cluster entry is missing', () => {
    const doc = { contexts: [{ name: 'x', context: { cluster: 'ghost', user: 'u' } }], clusters: [] };
    expect(() => chooseContext(doc, '/k', undefined)).toThrow(/no current-context/);
    expect(() => chooseContext(doc, '/k', 'x')).toThrow(/names cluster "ghost"/);
  });

  it('pins a context and makes relative file references absolute against the original folder', () => {
    const doc = {
      'current-context': 'a',
      contexts: [{ name: 'a' }, { name: 'b' }],
      clusters: [{ name: 'c', cluster: { server: 'https://x', 'certificate-authority': 'pki/ca.crt' } }],
      users: [{ name: 'u', user: { 'client-key': '/abs/key.pem', 'client-certificate': 'cert.pem', exec: { command: './bin/login' } } }],
    };
    const pinned = pinContext(doc, 'b', '/home/u/.kube/config');
    expect(pinned['current-context']).toBe('b');
    expect(pinned.clusters?.[0]?.cluster?.['certificate-authority']).toBe('/home/u/.kube/pki/ca.crt');
    expect(pinned.users?.[0]?.user).toEqual({
      'client-key': '/abs/key.pem',
      'client-certificate': '/home/u/.kube/cert.pem',
      exec: { command: '/home/u/.kube/bin/login' },
    });
    expect(doc['current-context']).toBe('a');
  });

  it('declares no etcd, no component control and creates no clusters', () => {
    expect(kubeconfigProvider.capabilities).toEqual({ etcd: false, componentControl: false, createsClusters: false });
  });
});

function freePortThenClose(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
