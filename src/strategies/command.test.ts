import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { commandStrategy } from './command.js';
import { createKeyFile, LocalKeyProvider } from '../crypto/local-kms.js';
import { createLocalStore } from '../store/local-store.js';
import { silentLogger } from '../core/logger.js';
import { registerSensitive } from '../core/redact.js';
import type { DrillContext } from '../contracts/types.js';
import { grepDir } from '../../test/support/wait.js';

describe('command strategy', () => {
  let dir: string;
  let ctx: DrillContext;
  const canary = `cmd-canary-${randomBytes(8).toString('hex')}`;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kdrill-command-'));
    await createKeyFile(join(dir, 'key.json'));
    const keys = await LocalKeyProvider.fromFile(join(dir, 'key.json'));
    registerSensitive(canary);
    ctx = {
      runId: 'r', scenarioDir: dir, workDir: join(dir, 'work'), artifactsDir: dir, logger: silentLogger, signal: new AbortController().signal,
      cluster: { name: 'c', provider: 'local', kubeconfigPath: join(dir, 'kubeconfig'), versions: { kubernetes: 'v1.37.2' } },
      store: createLocalStore({ root: join(dir, 'store'), keys }), keys,
    } as unknown as DrillContext;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores what the backup command wrote (sealed) and hands it back to the restore command', async () => {
    const backup = await commandStrategy.backup(ctx, {
      backup: { command: 'mkdir -p "$KDRILL_BACKUP_DIR/ns" && printf %s "$SECRET" > "$KDRILL_BACKUP_DIR/ns/dump.txt" && echo "$KUBECONFIG" > "$KDRILL_BACKUP_DIR/kc"', shell: true, env: { SECRET: canary } },
    });
    expect(backup.artifacts.map((a) => [a.name, a.sealed])).toEqual([['files/kc', true], ['files/ns/dump.txt', true]]);
    expect(await grepDir(join(dir, 'store'), [canary, Buffer.from(canary).toString('base64')])).toEqual([]);

    const out = join(dir, 'restored.txt');
    const report = await commandStrategy.restore(ctx, backup, { restore: { command: ['sh', '-c', `cat "$KDRILL_BACKUP_DIR/ns/dump.txt" > ${out}`] } });
    expect(report.counts).toEqual({ files: 2 });
    expect(await readFile(out, 'utf8')).toBe(canary);
  });

  it('fails with the exit code and the redacted stderr when the restore command fails', async () => {
    const backup = await commandStrategy.backup(ctx, { backup: { command: ['true'] } });
    const error = (await commandStrategy.restore(ctx, backup, { restore: { command: `echo "restore failed for ${canary}" >&2; exit 3`, shell: true } }).catch((e: Error) => e)) as Error;
    expect(error).toMatchObject({ code: 'E_COMMAND' });
    expect(error.message).toMatch(/code 3/);
    expect(error.message).toContain('restore failed for');
    expect(error.message).not.toContain(canary);
  });

  it('says which option is missing', async () => {
    await expect(commandStrategy.backup(ctx, {})).rejects.toMatchObject({ code: 'E_SCENARIO_INVALID', message: /no backup command/ });
  });
});
