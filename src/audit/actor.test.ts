import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditScopeOf, clusterAudit, withoutCredentials } from './actor.js';
import { FileAuditLog, verifyAuditLog, type AuditEntry } from './audit-log.js';

const TOKEN = 'kubeconfig-token-Qx81LmZt5Rw2';
const KEY_DATA = 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCmNhbmFyeQ==';

let dir: string;
let kubeconfig: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-actor-'));
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: staging-admin',
      'contexts:',
      '- name: other',
      '  context: { cluster: other, user: nobody }',
      '- name: staging-admin',
      '  context: { cluster: staging, user: alice@example.com }',
      'clusters:',
      '- name: other',
      '  cluster: { server: "https://10.0.0.9:6443" }',
      '- name: staging',
      `  cluster: { server: "https://ops:${TOKEN}@api.staging.example:6443/?token=${TOKEN}" }`,
      'users:',
      '- name: alice@example.com',
      `  user: { token: ${TOKEN}, client-key-data: ${KEY_DATA} }`,
    ].join('\n'),
  );
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('audit actor and cluster', () => {
  it("names the current context, its user and server from the kubeconfig, never a credential", () => {
    expect(auditScopeOf({ name: 'staging', provider: 'kubeconfig', kubeconfigPath: kubeconfig })).toEqual({
      cluster: { name: 'staging', provider: 'kubeconfig', server: 'https://api.staging.example:6443' },
      kubeContext: 'staging-admin',
      kubeUser: 'alice@example.com',
    });
    expect(withoutCredentials('not a url')).toBe('(unparsable server URL)');
  });

  it('every line says who acted and on which cluster, the chain still verifies, and no credential is written', async () => {
    const path = join(dir, 'audit.jsonl');
    const log = await FileAuditLog.open(path, { runId: 'r1' });
    let current = { name: 'staging', provider: 'kubeconfig', kubeconfigPath: kubeconfig };
    const audit = clusterAudit(log, () => current);
    await audit.record({ action: 'backup.create', subject: 'b1' });
    current = { name: 'fresh', provider: 'local', kubeconfigPath: join(dir, 'missing') };
    await audit.record({ action: 'restore.apply', subject: 'b1' });
    await audit.record({ action: 'cluster.destroy', subject: 'x', scope: { cluster: { name: 'explicit' } } });
    await log.record({ action: 'key.rotate', subject: 'k' });
    const text = await readFile(path, 'utf8');
    const entries = text.trimEnd().split('\n').map((l) => JSON.parse(l) as AuditEntry);
    const me = userInfo().username;
    expect(entries.map((e) => [e.actor, e.cluster])).toEqual([
      [{ osUser: me, kubeUser: 'alice@example.com', kubeContext: 'staging-admin' }, { name: 'staging', provider: 'kubeconfig', server: 'https://api.staging.example:6443' }],
      // An unreadable kubeconfig still names the cluster (the drill's audit must not stop).
      [{ osUser: me }, { name: 'fresh', provider: 'local' }],
      [{ osUser: me }, { name: 'explicit' }],
      [{ osUser: me }, undefined],
    ]);
    expect((await verifyAuditLog(path)).ok).toBe(true);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(KEY_DATA);
  });
});
