import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { createKeyFile, LocalKeyProvider } from '../crypto/local-kms.js';
import type { KeyProvider } from '../crypto/types.js';
import type { AuditEvent } from '../audit/audit-log.js';
import type { DrillContext } from '../contracts/types.js';
import { rotateKek } from './rotate-kek.js';

const fakeCtx = (keys: KeyProvider, events: AuditEvent[]) =>
  ({ keys, facts: new Map(), logger: silentLogger, audit: { path: undefined, record: async (e: AuditEvent) => void events.push(e) } }) as unknown as DrillContext;
const remote = (extra: object = {}): KeyProvider => ({
  id: 'aws-kms',
  describe: () => 'aws-kms key alias/backups',
  wrap: async () => ({ provider: 'aws-kms', keyId: 'k', ciphertext: '' }),
  unwrap: async () => Buffer.alloc(32),
  ...extra,
});

describe('rotate-kek', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kdrill-kek-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('rotates a local key file and swaps ctx.keys for a provider re-read from it, audited', async () => {
    const path = join(dir, 'key.json');
    await createKeyFile(path);
    const events: AuditEvent[] = [];
    const ctx = fakeCtx(await LocalKeyProvider.fromFile(path), events);
    expect(await rotateKek.run(ctx, {})).toMatch(/primary version 1 → 2 \(versions kept: 1, 2\)$/);
    expect((ctx.keys as LocalKeyProvider).primaryVersion).toBe(2);
    expect(events).toEqual([expect.objectContaining({ action: 'key.rotate', details: expect.objectContaining({ from: 1, to: 2 }) })]);
    expect(ctx.facts.get('chaos.rotate-kek')).toMatchObject({ provider: 'local', fromVersion: 1, toVersion: 2 });
  });

  it('calls a provider\'s own rotate when it has one', async () => {
    let rotated = 0;
    const ctx = fakeCtx(remote({ rotate: async () => void rotated++ }), []);
    expect(await rotateKek.run(ctx, {})).toBe('rotated aws-kms key alias/backups');
    expect(rotated).toBe(1);
  });

  it('fails clearly for a provider without rotation', async () => {
    await expect(rotateKek.run(fakeCtx(remote(), []), {})).rejects.toMatchObject({
      code: 'E_KEY',
      message: 'chaos step rotate-kek: KMS provider aws-kms (aws-kms key alias/backups) has no rotation kdrill can trigger',
      hint: expect.stringContaining('rotate the key in the KMS itself'),
    });
  });
});
