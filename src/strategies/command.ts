import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Type } from '@sinclair/typebox';
import { KdrillError } from '../core/errors.js';
import { runUserCommand } from '../chaos/exec.js';
import { ExecOptions } from '../chaos/exec-invocation.js';
import type { BackupStrategy, DrillContext } from '../contracts/types.js';
import type { BackupManifest } from '../store/types.js';

const ID = 'command';
const FILES = 'files/';

const CommandOptions = Type.Object(
  {
    /** Exec options of the command that writes the backup into $KDRILL_BACKUP_DIR (scenario `backup.options`). */
    backup: Type.Optional(ExecOptions),
    /** Exec options of the command that restores from $KDRILL_BACKUP_DIR (scenario `restore.options`). */
    restore: Type.Optional(ExecOptions),
    /** Seal every file the backup command wrote (default true: a tool's dump holds Secrets). */
    seal: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);

/**
 * Your own tool as a strategy (Velero, a vendor CLI, a script): kdrill runs `backup` with KUBECONFIG and an empty
 * $KDRILL_BACKUP_DIR, stores every file it leaves there (sealed) in the backup store, and for the restore puts them
 * back in a fresh $KDRILL_BACKUP_DIR and runs `restore`. The drill, chaos and checks stay kdrill's.
 */
export const commandStrategy: BackupStrategy = {
  id: ID,
  description: 'Your own backup/restore commands (Velero, scripts): files they write to $KDRILL_BACKUP_DIR are stored sealed',
  optionsSchema: CommandOptions,
  targets: ['same', 'fresh'],
  async backup(ctx, options) {
    const o = options as { backup?: Record<string, unknown>; seal?: boolean };
    if (!o.backup) throw missing('backup', 'backup.options.backup');
    const dir = await scratch(ctx, 'backup');
    try {
      const summary = await runUserCommand(ctx, o.backup, { KDRILL_BACKUP_DIR: dir });
      const writer = await ctx.store.create({ strategy: ID, cluster: { name: ctx.cluster.name, provider: ctx.cluster.provider, kubernetesVersion: ctx.cluster.versions.kubernetes } });
      try {
        const files = await listFiles(dir);
        for (const file of files) await writer.putFile(FILES + relative(dir, file), file, { sealed: o.seal !== false });
        ctx.logger.info(`command backup: ${summary}`);
        return await writer.commit({ files: files.length });
      } catch (error) {
        await writer.abort();
        throw error;
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
  async restore(ctx, backup, options) {
    const o = options as { restore?: Record<string, unknown> };
    if (!o.restore) throw missing('restore', 'restore.options.restore');
    const dir = await scratch(ctx, 'restore');
    try {
      const count = await unpack(ctx, backup, dir);
      const summary = await runUserCommand(ctx, o.restore, { KDRILL_BACKUP_DIR: dir });
      return { counts: { files: count }, notes: [summary] };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/** Every artifact under files/ back to `dir`, verified and decrypted, before the restore command sees them. */
async function unpack(ctx: DrillContext, backup: BackupManifest, dir: string): Promise<number> {
  const reader = await ctx.store.open(backup.id);
  const entries = reader.manifest.artifacts.filter((a) => a.name.startsWith(FILES));
  for (const entry of entries) {
    const target = join(dir, entry.name.slice(FILES.length));
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await writeFile(target, await reader.get(entry.name), { mode: 0o600 });
  }
  return entries.length;
}

async function scratch(ctx: DrillContext, phase: string): Promise<string> {
  await mkdir(ctx.workDir, { recursive: true, mode: 0o700 });
  return mkdtemp(join(ctx.workDir, `command-${phase}-`));
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

function missing(phase: string, field: string): KdrillError {
  return new KdrillError('E_SCENARIO_INVALID', `strategy ${ID} has no ${phase} command`, {
    hint: `set ${field} in the scenario, e.g. { command: ["velero", "${phase}", "create", "..."] } (same fields as the exec chaos step)`,
  });
}

