import type { Command } from 'commander';
import { KdrillError } from '../../core/errors.js';
import { manifestSize } from '../../store/manifest.js';
import type { BackupManifest, BackupStore } from '../../store/types.js';
import type { CliEnv, CommandModule, GlobalOptions } from '../main.js';
import { plugins } from '../../engine/plugins.js';
import { type KeyFlags, type StoreFlags, formatBytes, keyOptions, keysFromFlags, openStoreFromFlags, storeOptions } from './store-args.js';
import { commandAudit, commandContext, openTarget, strategyOptions, type TargetFlags } from './target-args.js';
import { clusterAudit } from '../../audit/actor.js';
import type { Cluster } from '../../providers/types.js';

interface BackupFlags extends TargetFlags, StoreFlags, KeyFlags {
  strategy: string;
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
  return keyOptions(storeOptions(cmd))
    .option('--cluster <name>', 'a local cluster started by kdrill (kdrill cluster list)')
    .option('--kubeconfig <path>', 'any cluster, through a kubeconfig')
    .option('--context <name>', 'kubeconfig context')
    .option('--options <yaml>', 'strategy options as inline YAML/JSON, e.g. "{includeKinds: [Secret]}"')
    .option('--audit <file>', 'append audit events (hash-chained JSON lines) to this file');
}

const BACKUP_EXAMPLES = `
Examples:
  kdrill keys create --out ~/.config/kdrill/key.json
  kdrill backup --cluster dev --store ./backups
  kdrill backup --kubeconfig ~/.kube/config -n shop --store s3://backups/prod --store-option region=eu-west-1 \\
    --kms aws-kms --kms-option keyId=alias/kdrill-backups --json

As a nightly job: exit 0 with one summary line on stdout (--json: one JSON object with id, strategy, createdAt,
artifacts, sizeBytes, rootHash, store and, on a versioned S3 bucket, manifestVersionId); exit 2 with the error on
stderr. The backup is re-opened (key unwrapped, manifest MAC checked) before it is reported.`;

/** `kdrill backup` and `kdrill restore`: the strategies on their own, outside a drill. */
export const backupRestoreCommands: CommandModule = {
  register(program: Command, env: CliEnv) {
    targetOptions(program.command('backup').description('back up a cluster with a strategy into a store'))
      .option('--strategy <id>', 'resource-export | etcd-snapshot', 'resource-export')
      .option('-n, --namespace <ns>', 'limit to a namespace (repeatable; resource-export)', collect)
      .addHelpText('after', BACKUP_EXAMPLES)
      .action(async (flags: BackupFlags, cmd: Command) => {
        const logger = env.logger(cmd);
        const strategy = plugins.strategy(flags.strategy);
        const options = strategyOptions(strategy, flags.options, flags.namespace ? { namespaces: flags.namespace } : {});
        const { ctx, store } = await open(flags, strategy, logger);
        try {
          const why = strategy.unsupportedReason?.(ctx.cluster);
          if (why) throw new KdrillError('E_UNKNOWN_PLUGIN', `strategy ${strategy.id} cannot back up ${ctx.cluster.name}: ${why}`);
          const manifest = await strategy.backup(ctx, options);
          const summary = await readBack(store, manifest);
          logger.info(`backup ${manifest.id} written`, { strategy: strategy.id, artifacts: manifest.artifacts.length, store: store.describe() });
          env.stdout(cmd.optsWithGlobals<GlobalOptions>().json ? JSON.stringify(summary) : summaryLine(summary));
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
      .addHelpText('after', '\nExamples:\n  kdrill restore 20261125T120000Z-ab12cd --cluster dev --store ./backups --dry-run\n  kdrill restore 20261125T120000Z-ab12cd --kubeconfig k.yaml --store ./backups --prune --dry-run\n  kdrill restore 20261125T120000Z-ab12cd --kubeconfig k.yaml --store ./backups --prune --allow-destructive')
      .action(async (id: string, flags: RestoreFlags, cmd: Command) => {
        const logger = env.logger(cmd);
        const probe = await open({ ...flags, strategy: flags.strategy ?? 'resource-export' }, plugins.strategy(flags.strategy ?? 'resource-export'), logger);
        try {
          const reader = await probe.ctx.store.open(id);
          reader.close();
          const strategy = plugins.strategy(flags.strategy ?? reader.manifest.strategy);
          const extra = { ...(flags.dryRun ? { dryRun: true } : {}), ...(flags.prune ? { prune: true } : {}), ...(flags.existing ? { existing: flags.existing } : {}) };
          const options = strategyOptions(strategy, flags.options, extra);
          assertAllowed(strategy.id, options, probe.ctx.cluster, flags);
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

/** A dry run deletes nothing, so `--prune --dry-run` needs no opt-in; a real prune or an etcd restore does. */
function assertAllowed(strategyId: string, options: Record<string, unknown>, cluster: { name: string; createdByKdrill: boolean }, flags: RestoreFlags): void {
  const etcd = strategyId === 'etcd-snapshot';
  const destructive = etcd || (options.prune === true && options.dryRun !== true);
  if (!destructive || cluster.createdByKdrill || flags.allowDestructive) return;
  throw new KdrillError('E_UNSAFE_TARGET', `${etcd ? 'an etcd restore replaces all data' : '--prune deletes objects'} on cluster ${cluster.name}, which kdrill did not create`, {
    hint: etcd
      ? 'add --allow-destructive if that is what you want (an etcd restore has no dry run: rehearse it on a cluster kdrill creates)'
      : 'see what it would delete with the same command plus --dry-run, then add --allow-destructive if that is what you want',
  });
}

async function open(flags: BackupFlags, strategy: ReturnType<typeof plugins.strategy>, logger: ReturnType<CliEnv['logger']>) {
  const keys = await keysFromFlags(flags);
  const target: { cluster?: Cluster } = {};
  const audit = clusterAudit(await commandAudit(flags.audit), () => target.cluster);
  // The store is checked before the cluster is touched: a bad --store or --store-option fails fast.
  const store = openStoreFromFlags(flags, keys, audit);
  const cluster = (target.cluster = await openTarget(flags, logger));
  const ctx = await commandContext({ cluster, strategy, store, keys, logger, audit });
  return { ctx, store };
}

/** What `kdrill backup` reports: read back from the store, so a backup that does not open is an error, not a success. */
interface BackupSummaryOut {
  id: string;
  strategy: string;
  createdAt: string;
  cluster: string;
  artifacts: number;
  sizeBytes: number;
  rootHash: string;
  store: string;
  manifestVersionId?: string;
}

async function readBack(store: BackupStore, written: BackupManifest): Promise<BackupSummaryOut> {
  const reader = await store.open(written.id);
  reader.close();
  const m = reader.manifest;
  if (m.rootHash !== written.rootHash) {
    throw new KdrillError('E_BACKUP_CORRUPT', `backup ${m.id} reads back with rootHash ${m.rootHash}, not the ${written.rootHash} just written`, { hint: 'someone else writes to this store: find out who' });
  }
  return {
    id: m.id,
    strategy: m.strategy,
    createdAt: m.createdAt,
    cluster: m.cluster.name,
    artifacts: m.artifacts.length,
    sizeBytes: manifestSize(m),
    rootHash: m.rootHash,
    store: store.describe(),
    ...(reader.manifestVersionId ? { manifestVersionId: reader.manifestVersionId } : {}),
  };
}

function summaryLine(s: BackupSummaryOut): string {
  const version = s.manifestVersionId ? `, manifest version ${s.manifestVersionId}` : '';
  return `${s.id} ${s.strategy}: ${s.artifacts} artifacts, ${formatBytes(s.sizeBytes)} of cluster ${s.cluster} in ${s.store} (rootHash ${s.rootHash.slice(0, 16)}${version})`;
}
