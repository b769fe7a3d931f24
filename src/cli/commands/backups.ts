import type { Command } from 'commander';
import { KdrillError, isKdrillError } from '../../core/errors.js';
import { resolve } from 'node:path';
import { parseDuration } from '../../scenario/duration.js';
import { FileAuditLog, type AuditLog } from '../../audit/audit-log.js';
import { applyPrune, planPrune, type PrunePlan } from '../../store/prune.js';
import { hasKeepRule, type RetentionPolicy } from '../../store/retention.js';
import type { BackupManifest } from '../../store/types.js';
import type { CliEnv, CommandModule, GlobalOptions } from '../main.js';
import { type KeyFlags, type StoreFlags, formatBytes, keyOptions, keysFromFlags, noKeys, openStoreFromFlags, storeOptions, table } from './store-args.js';

const HELP = `
Examples:
  $ kdrill backups list --store ./backups
  $ kdrill backups show 20261125T120000Z-ab12cd --store ./backups --key-file ~/.config/kdrill/key.json
  $ kdrill backups verify 20261125T120000Z-ab12cd --store s3://backups/prod --store-option endpoint=http://127.0.0.1:7070
  $ kdrill backups prune --store ./backups --keep-last 3 --keep-daily 7 --keep-weekly 4 --keep-monthly 6

show, verify and prune open every backup they touch: the data key is unwrapped with the configured key and the
manifest MAC checked first. verify exits 0 when every file checks out, 1 when it found problems, 2 on bad input
(unknown backup or store, missing or wrong key).`;

interface PruneFlags extends StoreFlags, KeyFlags {
  keepLast?: string;
  keepDaily?: string;
  keepWeekly?: string;
  keepMonthly?: string;
  minAge?: string;
  apply?: boolean;
  audit?: string;
}

/** `kdrill backups list|show|verify|prune`: inspect and prune a store without printing keys or artifact contents. */
export const backupsCommand: CommandModule = {
  register(program: Command, env: CliEnv) {
    const backups = program.command('backups').description('list, show, verify and prune backups in a store').addHelpText('after', HELP);

    storeOptions(backups.command('list').description('one line per committed backup, oldest first'))
      .addHelpText('after', '\nExample:\n  $ kdrill backups list --store ./backups')
      .action(async (opts: StoreFlags, cmd: Command) => {
        const summaries = await openStoreFromFlags(opts, noKeys).list();
        if (summaries.length === 0) return env.logger(cmd).info(`no backups in ${opts.store ?? opts.storeConfig}`);
        const rows = summaries.map((s) => [s.id, s.createdAt || '-', s.strategy, s.cluster || '-', s.strategy === 'unreadable' ? '-' : formatBytes(s.sizeBytes)]);
        env.stdout(table([['ID', 'CREATED', 'STRATEGY', 'CLUSTER', 'SIZE'], ...rows]));
      });

    keyOptions(storeOptions(backups.command('show').description("print a backup's authenticated manifest: source cluster, key identity, artifacts and hashes")))
      .argument('<id>', 'backup id')
      .addHelpText('after', '\nExample:\n  $ kdrill backups show 20261125T120000Z-ab12cd --store ./backups')
      .action(async (id: string, opts: StoreFlags & KeyFlags) => {
        const reader = await openStoreFromFlags(opts, await keysFromFlags(opts)).open(id);
        reader.close();
        env.stdout(describeManifest(reader.manifest, reader.manifestVersionId));
      });

    keyOptions(storeOptions(backups.command('verify').description('check the manifest MAC, re-hash every file and decrypt every sealed one; exit 1 if anything is wrong')))
      .argument('<id>', 'backup id')
      .addHelpText('after', '\nExample:\n  $ kdrill backups verify 20261125T120000Z-ab12cd --store ./backups --key-file ~/.config/kdrill/key.json')
      .action(async (id: string, opts: StoreFlags & KeyFlags) => {
        // A missing key file, or one holding another key, is bad input (exit 2), not a problem of the backup.
        const store = openStoreFromFlags(opts, await keysFromFlags(opts));
        let problems: string[];
        let count = 0;
        try {
          const reader = await store.open(id);
          count = reader.manifest.artifacts.length;
          ({ problems } = await reader.verify());
          reader.close();
        } catch (error) {
          // A damaged, forged or downgraded manifest is a finding about the backup (exit 1), not bad input.
          if (!isKdrillError(error) || error.code !== 'E_BACKUP_CORRUPT') throw error;
          problems = [`manifest: ${error.message}`];
        }
        if (problems.length === 0) return env.stdout(`✓ backup ${id}: manifest MAC and ${count} artifacts verified`);
        env.stdout([`✗ backup ${id}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, ...problems.map((p) => `  - ${p.replace(/\n\s*/g, ' ')}`)].join('\n'));
        process.exitCode = 1;
      });

    keyOptions(storeOptions(backups.command('prune').description('apply a retention policy (restic-style); dry run unless --apply')))
      .option('--keep-last <n>', 'keep the n newest backups')
      .option('--keep-daily <n>', 'keep the newest backup of each of the n newest days with backups (UTC)')
      .option('--keep-weekly <n>', 'the same for ISO weeks')
      .option('--keep-monthly <n>', 'the same for months')
      .option('--min-age <duration>', 'never delete a backup younger than this, e.g. 24h')
      .option('--apply', 'delete what the plan says (default: print the plan only)')
      .option('--audit <file>', 'append every delete to this audit log (hash-chained JSON lines)')
      .addHelpText('after', PRUNE_HELP)
      .action(async (opts: PruneFlags, cmd: Command) => {
        const policy = retentionPolicy(opts);
        const audit: AuditLog | undefined = opts.audit ? await FileAuditLog.open(resolve(opts.audit), { runId: `cli-prune-${Date.now()}` }) : undefined;
        const store = openStoreFromFlags(opts, await keysFromFlags(opts), audit);
        const plan = await planPrune(store, policy, new Date());
        const result = opts.apply ? await applyPrune(store, plan) : plan;
        if (cmd.optsWithGlobals<GlobalOptions>().json) return env.stdout(JSON.stringify({ ...result, applied: Boolean(opts.apply) }));
        env.stdout(renderPrune(result, Boolean(opts.apply)));
      });
  },
};

const PRUNE_HELP = `
A backup stays when any rule keeps it; the newest backup always stays, and so does one under S3 Object Lock
(kept-by-lock). Backups that do not open with the given key (forged, damaged, another key) are listed as
unverified and never deleted. Partial backups (never committed) older than a day are deleted too.

Example:
  $ kdrill backups prune --store ./backups --keep-daily 7 --keep-weekly 4 --min-age 24h --apply --audit prune.jsonl`;

function retentionPolicy(opts: PruneFlags): RetentionPolicy {
  const count = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new KdrillError('E_STORE_FLAG', `${flag} ${JSON.stringify(value)} is not a whole number`, { hint: `e.g. ${flag} 7` });
    return Number(value);
  };
  const policy: RetentionPolicy = {
    last: count('--keep-last', opts.keepLast),
    daily: count('--keep-daily', opts.keepDaily),
    weekly: count('--keep-weekly', opts.keepWeekly),
    monthly: count('--keep-monthly', opts.keepMonthly),
    ...(opts.minAge ? { minAgeMs: minAge(opts.minAge) } : {}),
  };
  if (!hasKeepRule(policy)) {
    throw new KdrillError('E_STORE_FLAG', 'no retention rule given: that would delete every backup but the newest', { hint: 'give at least one of --keep-last, --keep-daily, --keep-weekly, --keep-monthly' });
  }
  return policy;
}

function minAge(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new KdrillError('E_STORE_FLAG', `--min-age ${JSON.stringify(text)} is not a duration`, { hint: 'e.g. --min-age 24h or --min-age 90m' });
  }
}

function renderPrune(plan: PrunePlan, applied: boolean): string {
  const rows = plan.backups.map((b) => [b.id, b.createdAt || '-', formatBytes(b.sizeBytes), applied && b.action === 'delete' ? 'deleted' : b.action, detail(b)]);
  const partial = plan.partial.map((p) => [p.id, p.lastWrite || '-', formatBytes(p.sizeBytes), `partial: ${applied && p.action === 'delete' ? 'deleted' : p.action}`, p.lock ? lockText(p.lock) : `${p.objects} files, never committed`]);
  const doomed = plan.backups.filter((b) => b.action === 'delete');
  const doomedPartial = plan.partial.filter((p) => p.action === 'delete');
  const bytes = [...doomed, ...doomedPartial].reduce((sum, b) => sum + b.sizeBytes, 0);
  const verb = applied ? 'deleted' : 'would delete';
  const summary = `${applied ? '' : 'dry run: '}${verb} ${doomed.length} backups and ${doomedPartial.length} partial backups (${formatBytes(bytes)}) from ${plan.store}; kept ${plan.backups.length - doomed.length}${applied ? '' : ' (run with --apply to delete)'}`;
  return [table([['ID', 'CREATED', 'SIZE', 'ACTION', 'WHY'], ...rows, ...partial]), '', summary].join('\n');
}

function detail(entry: PrunePlan['backups'][number]): string {
  if (entry.lock) return lockText(entry.lock);
  if (entry.problem) return entry.problem;
  return entry.reasons.join(', ') || 'no rule keeps it';
}

function lockText(lock: NonNullable<PrunePlan['backups'][number]['lock']>): string {
  return lock.legalHold ? 'Object Lock legal hold' : `Object Lock ${lock.mode} until ${lock.until}`;
}

function describeManifest(m: BackupManifest, versionId: string | undefined): string {
  const key = `${m.dataKey.provider} key ${m.dataKey.keyId}${m.dataKey.keyVersion ? ` version ${m.dataKey.keyVersion}` : ''}`;
  const cluster = `${m.cluster.name} (${m.cluster.provider}, Kubernetes ${m.cluster.kubernetesVersion}${m.cluster.etcdVersion ? `, etcd ${m.cluster.etcdVersion}` : ''})`;
  const head = [
    `id:        ${m.id}`,
    `created:   ${m.createdAt}`,
    `strategy:  ${m.strategy}`,
    `cluster:   ${cluster}`,
    `data key:  ${key}`,
    `rootMac:   verified`,
    `rootHash:  ${m.rootHash}`,
    ...(versionId ? [`manifest version: ${versionId}`] : []),
    '',
  ];
  const rows = m.artifacts.map((a) => [a.name, formatBytes(a.size), a.sealed ? 'sealed' : 'plain', a.sha256.slice(0, 16)]);
  const metadata = Object.keys(m.metadata).length ? ['', `metadata:  ${JSON.stringify(m.metadata)}`] : [];
  return [...head, table([['ARTIFACT', 'SIZE', 'SEALED', 'SHA256'], ...rows]), ...metadata].join('\n');
}
