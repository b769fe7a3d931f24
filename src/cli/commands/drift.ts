import type { Command } from 'commander';
import { clusterAudit } from '../../audit/actor.js';
import { KdrillError } from '../../core/errors.js';
import { computeDrift } from '../../drift/drift.js';
import { renderDrift } from '../../drift/render.js';
import { plugins } from '../../engine/plugins.js';
import type { Cluster } from '../../providers/types.js';
import type { CliEnv, GlobalOptions, CommandModule } from '../main.js';
import { type KeyFlags, type StoreFlags, keyOptions, keysFromFlags, openStoreFromFlags, storeOptions } from './store-args.js';
import { commandAudit, commandContext, openTarget, type TargetFlags } from './target-args.js';

interface DriftFlags extends TargetFlags, StoreFlags, KeyFlags {
  backup: string;
  threshold: string;
}

const HELP = `
Compares the live cluster with a resource-export backup: CRDs (versions, schemas), effective RBAC, Secrets (presence and
keyed hashes, never values) and every other exported object. An etcd-snapshot backup is refused (exit 2): drift does
not decode etcd snapshots yet.

Exit codes: 0 no drift over --threshold, 1 drift, 2 bad input or setup error.

Examples:
  kdrill drift --cluster dev --store ./backups
  kdrill drift --kubeconfig ~/.kube/config --store ./backups --backup 20261125T120000Z-ab12cd --threshold 5 --json`;

/** `kdrill drift`: the live cluster against a backup, as a table and a masked diff (or JSON). */
export const driftCommand: CommandModule = {
  register(program: Command, env: CliEnv) {
    keyOptions(storeOptions(program.command('drift').description('compare a live cluster with a backup: CRDs, effective RBAC, Secrets (hashed) and every other object')))
      .option('--cluster <name>', 'a local cluster started by kdrill (kdrill cluster list)')
      .option('--kubeconfig <path>', 'any cluster, through a kubeconfig')
      .option('--context <name>', 'kubeconfig context')
      .option('--backup <id>', 'backup id, or latest', 'latest')
      .option('--threshold <n>', 'drifted items tolerated before exit 1', '0')
      .option('--audit <file>', 'append audit events (hash-chained JSON lines) to this file')
      .addHelpText('after', HELP)
      .action(async (flags: DriftFlags, cmd: Command) => {
        const threshold = Number(flags.threshold);
        if (!Number.isInteger(threshold) || threshold < 0) {
          throw new KdrillError('E_SCENARIO_INVALID', `--threshold ${JSON.stringify(flags.threshold)} is not a whole number >= 0`, { hint: 'e.g. --threshold 0 (any drift fails) or --threshold 5' });
        }
        const logger = env.logger(cmd);
        const keys = await keysFromFlags(flags);
        const target: { cluster?: Cluster } = {};
        const audit = clusterAudit(await commandAudit(flags.audit), () => target.cluster);
        const store = openStoreFromFlags(flags, keys, audit);
        const cluster = (target.cluster = await openTarget(flags, logger));
        const ctx = await commandContext({ cluster, strategy: plugins.strategy('resource-export'), store, keys, logger, audit });
        try {
          const report = await computeDrift({ client: ctx.client, store, backup: flags.backup, audit, clock: ctx.clock });
          const json = cmd.optsWithGlobals<GlobalOptions>().json;
          env.stdout(json ? JSON.stringify({ ...report, threshold, drift: report.counts.total > threshold }, null, 2) : renderDrift(report, threshold));
          if (report.counts.total > threshold) process.exitCode = 1;
        } finally {
          await ctx.done();
          // For a kubeconfig cluster this removes only kdrill's context-pinned copy of the file.
          if (cluster.provider === 'kubeconfig') await cluster.destroy();
        }
      });
  },
};
