import type { Command } from 'commander';
import { isKdrillError } from '../../core/errors.js';
import { LocalKeyProvider, defaultKeyFile } from '../../crypto/local-kms.js';
import type { BackupManifest } from '../../store/types.js';
import type { CliEnv, CommandModule } from '../main.js';
import { formatBytes, keyFileArg, noKeys, openLocalStoreArg } from './store-args.js';

const HELP = `
Examples:
  $ kdrill backups list --store ./backups
  $ kdrill backups show 20261125T120000Z-ab12cd --store ./backups
  $ kdrill backups verify 20261125T120000Z-ab12cd --store ./backups --key-file ~/.config/kdrill/key.json

verify exits 0 when every file checks out, 1 when it found problems, 2 on bad input (unknown backup, missing
or wrong key file).`;

/** `kdrill backups list|show|verify`: inspect a local backup store without printing keys or artifact contents. */
export const backupsCommand: CommandModule = {
  register(program: Command, env: CliEnv) {
    const backups = program.command('backups').description('list, show and verify backups in a local store').addHelpText('after', HELP);

    backups
      .command('list')
      .description('one line per committed backup, oldest first')
      .requiredOption('--store <dir>', 'local backup store directory')
      .addHelpText('after', '\nExample:\n  $ kdrill backups list --store ./backups')
      .action(async (opts: { store: string }, cmd: Command) => {
        const summaries = await openLocalStoreArg(opts.store, noKeys).list();
        if (summaries.length === 0) return env.logger(cmd).info(`no backups in ${opts.store}`);
        const rows = summaries.map((s) => [s.id, s.createdAt || '-', s.strategy, s.cluster || '-', s.strategy === 'unreadable' ? '-' : formatBytes(s.sizeBytes)]);
        env.stdout(table([['ID', 'CREATED', 'STRATEGY', 'CLUSTER', 'SIZE'], ...rows]));
      });

    backups
      .command('show')
      .description("print a backup's manifest: source cluster, key identity, artifacts and hashes")
      .argument('<id>', 'backup id')
      .requiredOption('--store <dir>', 'local backup store directory')
      .addHelpText('after', '\nExample:\n  $ kdrill backups show 20261125T120000Z-ab12cd --store ./backups')
      .action(async (id: string, opts: { store: string }) => {
        const { manifest } = await openLocalStoreArg(opts.store, noKeys).open(id);
        env.stdout(describeManifest(manifest));
      });

    backups
      .command('verify')
      .description('re-hash every file and decrypt every sealed one; exit 1 if anything is wrong')
      .argument('<id>', 'backup id')
      .requiredOption('--store <dir>', 'local backup store directory')
      .option('--key-file <path>', 'key file (default: $KDRILL_KEY_FILE or ~/.config/kdrill/key.json)')
      .addHelpText('after', '\nExample:\n  $ kdrill backups verify 20261125T120000Z-ab12cd --store ./backups --key-file ~/.config/kdrill/key.json')
      .action(async (id: string, opts: { store: string; keyFile?: string }, cmd: Command) => {
        const keyFile = opts.keyFile ?? defaultKeyFile();
        let problems: string[];
        let count = 0;
        try {
          const { manifest } = await openLocalStoreArg(opts.store, noKeys).open(id);
          count = manifest.artifacts.length;
          // A missing key file, or one holding another key, is bad input (exit 2), not a problem of the backup.
          const keys = manifest.dataKey ? await keyFileArg(keyFile, opts.store, env.logger(cmd)) : noKeys;
          if (manifest.dataKey && keys instanceof LocalKeyProvider) keys.assertCanUnwrap(manifest.dataKey);
          ({ problems } = await (await openLocalStoreArg(opts.store, keys).open(id)).verify());
        } catch (error) {
          // A damaged manifest is a finding about the backup (exit 1), not bad input.
          if (!isKdrillError(error) || error.code !== 'E_BACKUP_CORRUPT') throw error;
          problems = [`manifest: ${error.message}`];
        }
        if (problems.length === 0) return env.stdout(`✓ backup ${id}: ${count} artifacts verified`);
        env.stdout([`✗ backup ${id}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, ...problems.map((p) => `  - ${p.replace(/\n\s*/g, ' ')}`)].join('\n'));
        process.exitCode = 1;
      });
  },
};

function describeManifest(m: BackupManifest): string {
  const key = m.dataKey ? `${m.dataKey.provider} key ${m.dataKey.keyId}${m.dataKey.keyVersion ? ` version ${m.dataKey.keyVersion}` : ''}` : 'none (nothing sealed)';
  const cluster = `${m.cluster.name} (${m.cluster.provider}, Kubernetes ${m.cluster.kubernetesVersion}${m.cluster.etcdVersion ? `, etcd ${m.cluster.etcdVersion}` : ''})`;
  const head = [`id:        ${m.id}`, `created:   ${m.createdAt}`, `strategy:  ${m.strategy}`, `cluster:   ${cluster}`, `data key:  ${key}`, `rootHash:  ${m.rootHash}`, ''];
  const rows = m.artifacts.map((a) => [a.name, formatBytes(a.size), a.sealed ? 'sealed' : 'plain', a.sha256.slice(0, 16)]);
  const metadata = Object.keys(m.metadata).length ? ['', `metadata:  ${JSON.stringify(m.metadata)}`] : [];
  return [...head, table([['ARTIFACT', 'SIZE', 'SEALED', 'SHA256'], ...rows]), ...metadata].join('\n');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}
