import { Type, type Static } from '@sinclair/typebox';
import { KdrillError } from '../../core/errors.js';
import { failureReason } from '../../core/failure-reason.js';
import type { BackupStrategy, DrillContext, RestoreReport } from '../../contracts/types.js';
import type { Cluster, EtcdMember, EtcdMemberControl } from '../../providers/types.js';
import type { BackupManifest } from '../../store/types.js';
import { DURATION_PATTERN } from '../../scenario/schema.js';
import { parseDuration } from '../../scenario/duration.js';
import { parsePluginOptions } from '../../core/plugin-options.js';

const ID = 'etcd-member-replace';
const MEMBERS_ARTIFACT = 'etcd/members.json';

export const MemberReplaceOptionsSchema = Type.Object(
  {
    startTimeout: Type.Optional(Type.String({ pattern: DURATION_PATTERN, default: '20s', description: 'How long a stopped member may take to start before it is replaced' })),
    catchUpTimeout: Type.Optional(Type.String({ pattern: DURATION_PATTERN, default: '2m', description: "How long a replaced member may take to catch up with its peers" })),
  },
  { additionalProperties: false },
);

type MemberReplaceOptions = Static<typeof MemberReplaceOptionsSchema>;

function parseOptions(options: Record<string, unknown>): MemberReplaceOptions {
  return parsePluginOptions(`strategy ${ID}`, MemberReplaceOptionsSchema, options, 'valid options: startTimeout, catchUpTimeout (durations such as 20s, 2m)');
}

/** The membership a backup records: who the members were, so the restore can prove it rebuilt the same cluster. */
interface RecordedMembers {
  members: { name: string; peerUrl: string; clientUrl: string }[];
}

/**
 * Recovers a multi-member etcd that lost a minority of members without any snapshot: each member that is down is
 * started again, and a member that cannot start (its data is damaged or gone) is replaced as etcd documents it:
 * `member remove`, an empty data dir, `member add`, start with --initial-cluster-state=existing; it catches up from
 * the leader. The backup holds only the membership, so the drill proves the data came from the surviving members.
 */
export const etcdMemberReplaceStrategy: BackupStrategy = {
  id: ID,
  description: 'Replace failed etcd members from the surviving quorum (member remove/add, catch up from the leader); no snapshot needed',
  optionsSchema: MemberReplaceOptionsSchema,
  targets: ['same'],
  unsupportedReason: (cluster: Cluster) => {
    const count = cluster.etcdMembers?.list().length ?? 0;
    return count >= 3 ? undefined : `cluster ${cluster.name} (provider ${cluster.provider}) has ${count || 'no controllable'} etcd member(s): replacing a member needs 3 or more (local provider, etcdMembers: 3)`;
  },
  restoreDeletes: () => "it removes a failed member from etcd's membership and deletes its data dir",
  backup: async (ctx, options) => recordMembers(ctx, parseOptions(options)),
  restore: async (ctx, backup, options) => replaceFailed(ctx, backup, parseOptions(options)),
};

async function recordMembers(ctx: DrillContext, _options: MemberReplaceOptions): Promise<BackupManifest> {
  const control = controlOf(ctx.cluster);
  const writer = await ctx.store.create({ strategy: ID, cluster: { name: ctx.cluster.name, provider: ctx.cluster.provider, kubernetesVersion: ctx.cluster.versions.kubernetes, etcdVersion: ctx.cluster.versions.etcd } });
  try {
    const recorded: RecordedMembers = { members: control.list().map((m) => ({ name: m.name, peerUrl: m.peerUrl, clientUrl: m.clientUrl })) };
    await writer.put(MEMBERS_ARTIFACT, Buffer.from(JSON.stringify(recorded, null, 2)), { mediaType: 'application/json' });
    await ctx.audit.record({ action: 'backup.write', subject: `${writer.id}/${MEMBERS_ARTIFACT}`, details: { members: recorded.members.map((m) => m.name), snapshot: false } });
    return await writer.commit({ members: recorded.members.map((m) => m.name), snapshot: false });
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
}

async function replaceFailed(ctx: DrillContext, backup: BackupManifest, options: MemberReplaceOptions): Promise<RestoreReport> {
  const control = controlOf(ctx.cluster);
  const recorded = await readRecorded(ctx, backup);
  const startMs = parseDuration(options.startTimeout ?? '20s');
  const catchUpMs = parseDuration(options.catchUpTimeout ?? '2m');
  await ctx.audit.record({ action: 'restore.start', subject: backup.id, details: { strategy: ID, cluster: ctx.cluster.name } });
  const notes: string[] = [];
  const counts = { replaced: 0, restarted: 0, healthy: 0 };
  for (const member of control.list()) {
    const outcome = await recover(control, member, startMs, catchUpMs);
    counts[outcome.kind] += 1;
    if (outcome.note) notes.push(outcome.note);
  }
  await ctx.cluster.waitReady(catchUpMs);
  notes.push(membershipNote(recorded, control.list()), 'no etcd snapshot was read: every replaced member took its data from the surviving members');
  await ctx.audit.record({ action: 'restore.finish', subject: backup.id, details: { ok: true, cluster: ctx.cluster.name, ...counts } });
  return { counts, notes };
}

/** A running member is left alone; a stopped one is started; one that cannot start is replaced. */
async function recover(control: EtcdMemberControl, member: EtcdMember, startMs: number, catchUpMs: number): Promise<{ kind: 'healthy' | 'restarted' | 'replaced'; note?: string }> {
  if (member.running) return { kind: 'healthy' };
  const failure = await control.start(member.index, startMs).then(() => undefined, failureReason);
  if (failure === undefined) return { kind: 'restarted', note: `etcd member ${member.name} was stopped and started again with its own data` };
  const started = Date.now();
  const replaced = await control.replace(member.index, catchUpMs);
  return {
    kind: 'replaced',
    note: `etcd member ${member.name} did not start (${failure}); removed member ${replaced.removedId ?? '(already gone)'}, added it back as ${replaced.addedId} with an empty data dir; it caught up to revision ${replaced.revision} from its peers in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  };
}

function membershipNote(recorded: RecordedMembers, now: EtcdMember[]): string {
  const before = recorded.members.map((m) => `${m.name}=${m.peerUrl}`).sort();
  const after = now.map((m) => `${m.name}=${m.peerUrl}`).sort();
  if (before.join(',') === after.join(',')) return `membership equals the backup's: ${now.map((m) => m.name).join(', ')}, all running`;
  return `membership differs from the backup's: backup ${before.join(', ')}, now ${after.join(', ')}`;
}

async function readRecorded(ctx: DrillContext, backup: BackupManifest): Promise<RecordedMembers> {
  if (backup.strategy !== ID) {
    throw new KdrillError('E_SCENARIO_INVALID', `backup ${backup.id} was made by strategy ${backup.strategy}, not ${ID}`, { hint: `restore it with strategy ${backup.strategy}` });
  }
  const reader = await ctx.store.open(backup.id);
  try {
    await ctx.audit.record({ action: 'backup.read', subject: `${backup.id}/${MEMBERS_ARTIFACT}` });
    return JSON.parse((await reader.get(MEMBERS_ARTIFACT)).toString('utf8')) as RecordedMembers;
  } finally {
    reader.close();
  }
}

function controlOf(cluster: Cluster): EtcdMemberControl {
  const control = cluster.etcdMembers;
  if (!control || control.list().length < 3) {
    throw new KdrillError('E_SCENARIO_INVALID', `strategy ${ID} needs an etcd of 3 or more members kdrill controls; cluster ${cluster.name} has ${control?.list().length ?? 0}`, {
      hint: 'use the local provider with options.etcdMembers: 3',
    });
  }
  return control;
}
