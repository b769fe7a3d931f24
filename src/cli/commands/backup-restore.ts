import { resolve } from 'node:path';
import type { Command } from 'commander';
import { KdrillError } from '../../core/errors.js';
import { defaultKeyFile } from '../../crypto/local-kms.js';
import type { CliEnv, CommandModule } from '../main.js';
import { plugins } from '../../engine/plugins.js';
import { keyFileArg, openLocalStoreArg } from './store-args.js';
import { commandAudit, commandContext, openTarget, strategyOptions, type TargetFlags } from './target-args.js';
import { clusterAudit } from '../../audit/actor.js';

interface BackupFlags extends TargetFlags {
  strategy: string;
  store: string;
  keyFile?: string;
  options?: string;
  namespace?: string[];
}

interface RestoreFlags extends BackupFlags {
  dryRun?: boolean;
  prune?: boolean;
  existing?: string;
  allowDestructive?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function targetOptions(cmd: Command): Command {
  return cmd
    .option('--cluster <name>', 'a local cluster started by kdrill (kdrill cluster list)')
    .option('--kubeconfig <path>', 'any cluster, through a kubeconfig')
    .option('--context <name>', 'kubeconfig context')
    .requiredOption('--store <dir>', 'backup store directory')
    .option('--key-file <path>', 'key-encryption key file (default $KDRILL_KEY_FILE or ~/.config/kdrill/key.json)')
    .option('--options <yaml>', 'strategy options as inline YAML/JSON, e.g. "{includeKinds: [Secret]}"')
    .option('--audit <file>', 'append audit events (hash-chained JSON lines) to this file');
}

/** `kdrill backup` and `kdrill restore`: the strategies on their own, outside a drill. */
export const backupRestoreCommands: CommandModule = {
  register(program: Command, env: CliEnv) {
    targetOptions(program.command('backup').description('back up a cluster with a strategy into a store'))
      .option('--strategy <id>', 'resource-export | etcd-snapshot', 'resource-export')
      .option('-n, --namespace <ns>', 'limit to a namespace (repeatable; resource-export)', collect)
      .addHelpText('after', '\nExamples:\n  kdrill keys create --out ~/.config/kdrill/key.json\n  kdrill backup --cluster dev --store ./backups\n  kdrill backup --kubeconfig ~/.kube/config --strategy resource-export -n shop --store ./backups')
      .action(async (flags: BackupFlags, cmd: Command) => {
        const logger = env.logger(cmd);
        const strategy = plugins.strategy(flags.strategy);
        const options = strategyOptions(strategy, flags.options, flags.namespace ? { namespaces: flags.namespace } : {});
        const { ctx } = await open(flags, strategy, logger);
        try {
          const why = strategy.unsupportedReason?.(ctx.cluster);
          if (why) throw new KdrillError('E_UNKNOWN_PLUGIN', `strategy ${strategy.id} cannot back up ${ctx.cluster.name}: ${why}`);
          const manifest = await strategy.backup(ctx, options);
          env.stdout(manifest.id);
          logger.info(`backup ${manifest.id} written`, { strategy: strategy.id, artifacts: manifest.artifacts.length, store: ctx.store.describe() });
        } finally {
          await ctx.done();
        }
      });

    targetOptions(program.command('restore').description('restore a backup from a store into a cluster').argument('<backup-id>'))
      .option('--strategy <id>', 'default: the strategy that made the backup')
      .option('--dry-run', 'print the plan (create/update/unchanged/prune) and write nothing (resource-export)')
      .option('--prune', 'delete objects of the backed-up kinds that the backup does not have (resource-export)')
      .option('--existing <policy>', 'skip | update | fail for objects that already exist (resource-export)')
      .option('--allow-destructive', 'allow prune, delete-and-recreate or an etcd restore on a cluster kdrill did not create')
      .addHelpText('after', '\nExamples:\n  kdrill restore 20261125T120000Z-ab12cd --cluster dev --store ./backups --dry-run\n  kdrill restore 20261125T120000Z-ab12cd --kubeconfig k.yaml --store ./backups --prune --allow-destructive')
      .action(async (id: string, flags: RestoreFlags, cmd: Command) => {
        const logger = env.logger(cmd);
        const probe = await open({ ...flags, strategy: flags.strategy ?? 'resource-export' }, plugins.strategy(flags.strategy ?? 'resource-export'), logger);
        try {
          const reader = await probe.ctx.store.open(id);
          const strategy = plugins.strategy(flags.strategy ?? reader.manifest.strategy);
          const extra = { ...(flags.dryRun ? { dryRun: true } : {}), ...(flags.prune ? { prune: true } : {}), ...(flags.existing ? { existing: flags.existing } : {}) };
          const options = strategyOptions(strategy, flags.options, extra);
          const destructive = strategy.id === 'etcd-snapshot' || options.prune === true;
          if (destructive && !probe.ctx.cluster.createdByKdrill && !flags.allowDestructive) {
            throw new KdrillError('E_UNSAFE_TARGET', `${strategy.id === 'etcd-snapshot' ? 'an etcd restore replaces all data' : '--prune deletes objects'} on cluster ${probe.ctx.cluster.name}, which kdrill did not create`, {
              hint: 'add --allow-destructive if that is what you want (try --dry-run first)',
            });
          }
          // The strategy's own guard (delete and recreate on an immutable change) reads the opt-in from the scenario.
          if (flags.allowDestructive) probe.ctx.scenario.spec.cluster = { provider: probe.ctx.cluster.provider, allowDestructive: true };
          const report = await strategy.restore(probe.ctx, reader.manifest, options);
          env.stdout(Object.entries(report.counts).map(([k, v]) => `${k}=${v}`).join(' '));
          for (const note of report.notes) env.stdout(`  ${note}`);
        } finally {
          await probe.ctx.done();
        }
      });
  },
};

async function open(flags: BackupFlags, strategy: ReturnType<typeof plugins.strategy>, logger: ReturnType<CliEnv['logger']>) {
  const store = resolve(flags.store);
  const keys = await keyFileArg(flags.keyFile ?? defaultKeyFile(), store, logger);
  const cluster = await openTarget(flags, logger);
  const audit = clusterAudit(await commandAudit(flags.audit), () => cluster);
  const ctx = await commandContext({ cluster, strategy, store: openLocalStoreArg(store, keys, audit), keys, logger, audit });
  return { ctx };
}
