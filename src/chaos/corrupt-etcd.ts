import { randomBytes } from 'node:crypto';
import { open, readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { KdrillError } from '../core/errors.js';
import type { ChaosStep, DrillContext } from '../contracts/types.js';
import type { ComponentName } from '../providers/types.js';
import { assertDestructiveAllowed } from '../contracts/guard.js';
import { DurationOption, durationMs, invalidOption, parseStepOptions } from './options.js';
import { memberControl } from './etcd-member.js';
import { failureReason } from '../core/failure-reason.js';

const ID = 'corrupt-etcd';

const Options = Type.Object(
  {
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Byte offset in member/snap/db where damage starts (0 = bbolt meta pages)' })),
    length: Type.Optional(Type.Integer({ minimum: 1, default: 16384, description: 'How many bytes of member/snap/db to overwrite with random data' })),
    walKeepBytes: Type.Optional(Type.Integer({ minimum: 0, default: 8, description: 'Truncate the newest WAL segment to this many bytes' })),
    probeTimeout: Type.Optional(DurationOption('How long the start attempt may take to prove etcd no longer comes up', '20s')),
    member: Type.Optional(Type.Integer({ minimum: 0, maximum: 4, description: 'Damage only this etcd member of a multi-member etcd (the others keep a quorum and the API serving)' })),
  },
  { additionalProperties: false },
);

/** Stops etcd, damages its bbolt db and WAL, proves it no longer starts healthy, and leaves it stopped. */
export const corruptEtcd: ChaosStep = {
  id: ID,
  description: 'Corrupt etcd on disk (overwrite bytes of member/snap/db, truncate the WAL), prove it no longer starts, leave it stopped',
  optionsSchema: Options,
  destructive: true,
  async run(ctx, raw) {
    assertDestructiveAllowed(ctx, ID);
    const o = parseStepOptions(ID, Options, raw);
    const target = o.member === undefined ? wholeEtcd(ctx) : oneMember(ctx, o.member);
    await target.stop();
    const db = await overwriteRange(join(target.dataDir, 'member', 'snap', 'db'), o.offset ?? 0, o.length ?? 16384);
    const wal = await truncateNewestWal(join(target.dataDir, 'member', 'wal'), o.walKeepBytes ?? 8);
    const reason = await probeStart(target, durationMs(o.probeTimeout ?? '20s'));
    ctx.facts.set(`chaos.${ID}`, { dataDir: target.dataDir, member: target.name, db, wal, startFailure: reason });
    return `overwrote ${db.bytes} bytes of ${target.name}'s member/snap/db at offset ${db.offset}, truncated WAL ${wal.file} from ${wal.fromBytes} to ${wal.toBytes} bytes; ${target.name} no longer starts (${reason}); left stopped`;
  },
};

/** What the step damages: the etcd of a single-member cluster, or one member of several. */
interface Target {
  name: string;
  dataDir: string;
  stop(): Promise<void>;
  start(timeoutMs: number): Promise<void>;
}

function wholeEtcd(ctx: DrillContext): Target {
  const dataDir = ctx.cluster.etcd?.dataDir;
  if (!dataDir || !ctx.cluster.components.includes('etcd')) {
    throw invalidOption(ID, `cluster ${ctx.cluster.name} (provider ${ctx.cluster.provider}) does not expose etcd's data dir and process`, 'corrupt-etcd needs a provider that owns etcd (the local provider)');
  }
  if ((ctx.cluster.etcdMembers?.list().length ?? 1) > 1) {
    throw invalidOption(ID, `cluster ${ctx.cluster.name} runs ${ctx.cluster.etcdMembers!.list().length} etcd members`, 'name the member to damage with the member option');
  }
  // LocalCluster.startComponent takes a health timeout; other providers ignore the extra argument.
  const start = ctx.cluster.startComponent as (component: ComponentName, timeoutMs?: number) => Promise<void>;
  return { name: 'etcd', dataDir, stop: () => ctx.cluster.stopComponent('etcd'), start: (timeoutMs) => start.call(ctx.cluster, 'etcd', timeoutMs) };
}

function oneMember(ctx: DrillContext, index: number): Target {
  const control = memberControl(ctx, ID);
  const member = control.list()[index];
  if (!member) throw invalidOption(ID, `member ${index} does not exist (members 0-${control.list().length - 1})`);
  return { name: `etcd member ${member.name}`, dataDir: member.dataDir, stop: () => control.stop(index), start: (timeoutMs) => control.start(index, timeoutMs) };
}

/** Overwrites [offset, offset+length) of a file with random bytes (clipped to the file's size). */
export async function overwriteRange(path: string, offset: number, length: number): Promise<{ offset: number; bytes: number; size: number }> {
  const size = (await stat(path)).size;
  if (offset >= size) throw invalidOption(ID, `offset ${offset} is past the end of ${path} (${size} bytes)`);
  const bytes = Math.min(length, size - offset);
  const handle = await open(path, 'r+');
  try {
    await handle.write(randomBytes(bytes), 0, bytes, offset);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { offset, bytes, size };
}

/** Truncates the newest `*.wal` segment (names sort by sequence) to `keepBytes`. */
export async function truncateNewestWal(walDir: string, keepBytes: number): Promise<{ file: string; fromBytes: number; toBytes: number }> {
  const segments = (await readdir(walDir)).filter((f) => f.endsWith('.wal')).sort();
  const newest = segments.at(-1);
  if (!newest) throw new KdrillError('E_INTERNAL', `no WAL segment in ${walDir}`, { hint: 'is this an etcd v3 data dir?' });
  const path = join(walDir, newest);
  const fromBytes = (await stat(path)).size;
  const toBytes = Math.min(keepBytes, fromBytes);
  await truncate(path, toBytes);
  return { file: newest, fromBytes, toBytes };
}

/** Tries to start etcd; returns why it failed. If it came up healthy the step broke nothing: stop it and fail. */
async function probeStart(target: Target, timeoutMs: number): Promise<string> {
  let reason: string | undefined;
  try {
    await target.start(timeoutMs);
  } catch (error) {
    reason = failureReason(error);
  }
  await target.stop();
  if (reason === undefined) {
    throw new KdrillError('E_SCENARIO_INVALID', `chaos step ${ID}: ${target.name} still came up healthy after the damage, so the step broke nothing`, {
      hint: 'damage the bbolt meta pages (offset 0, length >= 8192) or raise length',
    });
  }
  return reason;
}
