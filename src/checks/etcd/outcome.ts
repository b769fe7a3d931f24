import type { CheckOutcome } from '../../contracts/types.js';
import { capList } from '../diff/render.js';
import type { Findings } from './inspect.js';
import { VOLATILE_PREFIXES } from './key-set.js';
import { memberLabel } from './membership.js';

/** Which findings fail the check (the check's options with defaults). */
export interface Judgement {
  allowExtraKeys: boolean;
  requireEncryption: boolean;
  excludePrefixes: string[];
  maxListed: number;
}

/** Revisions members may be apart while applying the same log under load. */
const REVISION_SPREAD = 1000;

interface Problem {
  summary: string;
  advice: string;
}

/** Turns the findings into pass/fail with evidence (key names and counts only) and advice for each failure. */
export function judge(f: Findings, j: Judgement): CheckOutcome {
  const problems = findProblems(f, j);
  const evidence = evidenceOf(f, j);
  if (problems.length === 0) {
    const keys = f.keys ? `${f.keys.current} stable keys equal the baseline's` : 'no baseline key set to compare';
    const values = f.values ? `; ${f.values.equal}/${f.values.compared} snapshot values byte-identical (${f.values.rewritten} rewritten since)` : '';
    const members = f.memberHashes.members.length > 1 ? `; ${f.memberHashes.members.length} members agree on hashkv` : '';
    return {
      status: 'passed',
      summary: `etcd healthy at revision ${f.revision.current}${members}; ${keys}${values}; ${f.atRest.encrypted}/${f.atRest.secrets} Secrets encrypted; ${f.secretsRead.readable}/${f.secretsRead.sampled} sampled Secrets readable`,
      evidence,
    };
  }
  return { status: 'failed', summary: problems.map((p) => p.summary).join('; '), evidence, recommendation: problems.map((p) => p.advice).join(' ') };
}

function findProblems(f: Findings, j: Judgement): Problem[] {
  const problems: Problem[] = [];
  const label = (endpoint: string) => memberLabel(endpoint, f.membership.names);
  const sick = f.members.filter((m) => !m.healthy || m.errors.length > 0);
  if (sick.length) problems.push({ summary: `${sick.length} etcd member(s) unhealthy (${sick.map((m) => `${label(m.endpoint)}: ${m.errors.join(', ')}`).join('; ')})`, advice: 'Check the etcd logs and alarms (etcdctl alarm list) before trusting this cluster.' });
  problems.push(...membershipProblems(f, label));
  const diverging = f.memberHashes.diverging;
  if (diverging.length) {
    problems.push({
      summary: `etcd members disagree at revision ${f.memberHashes.revision}: ${diverging.map((d) => `${label(d.endpoint)} ${d.error ? `did not answer (${d.error})` : `has hashkv ${d.hash}, the majority ${d.majority}`}`).join('; ')}`,
      advice: 'A member holds another history than the others: restore every member from the same snapshot (one etcdutl snapshot restore per member, a new --initial-cluster-token), or remove the diverging member and add it back empty so it resyncs.',
    });
  }
  const v = f.values;
  if (v?.changed.length) {
    problems.push({
      summary: `${v.changed.length} key(s) hold other values than the snapshot although nothing wrote them since the restore, e.g. ${v.changed.slice(0, 3).join(', ')}`,
      advice: 'The restored data is not the snapshot the backup holds: check that every member was restored from this backup\'s snapshot and that no other data dir was started.',
    });
  }
  if (!f.hashKv.stable) problems.push({ summary: `hashkv at revision ${f.hashKv.revision} changed between two reads (${f.hashKv.hashes.join(' vs ')})`, advice: 'The key history under a fixed revision must not change: the member may be corrupt; restore again and compare members.' });
  if (f.revision.behind) problems.push({ summary: `etcd revision ${f.revision.current} is behind the snapshot's ${f.revision.snapshot}`, advice: 'Restore with --bump-revision so watchers never see revisions go backwards.' });
  if (f.keys?.missing.length) problems.push({ summary: `${f.keys.missing.length} baseline key(s) missing, e.g. ${f.keys.missing[0]}`, advice: 'The restored data lacks objects of the baseline: check that the snapshot was taken after the baseline and restored completely.' });
  if (f.keys?.extra.length && !j.allowExtraKeys) problems.push({ summary: `${f.keys.extra.length} key(s) not in the baseline, e.g. ${f.keys.extra[0]}`, advice: 'Objects exist that the baseline lacked (chaos leftovers or controller output): list more volatile prefixes in excludePrefixes or set allowExtraKeys.' });
  if (f.atRest.plaintext.length && j.requireEncryption) problems.push({ summary: `${f.atRest.plaintext.length} Secret(s) stored in plaintext in etcd, e.g. ${f.atRest.plaintext[0]}`, advice: 'Configure encryption at rest for Secrets (EncryptionConfiguration) and rewrite them (kubectl replace), or set requireEncryption: false for clusters without it.' });
  if (f.apiError) problems.push({ summary: `the apiserver did not answer (${f.apiError}): LIST counts and Secret reads were not compared`, advice: 'Look at the kube-apiserver log: it cannot serve from this etcd.' });
  const badCounts = f.counts.filter((c) => c.error !== undefined || c.listed !== c.etcdKeys);
  if (badCounts.length) problems.push({ summary: `the apiserver lists differently from etcd for ${badCounts.map((c) => c.resource).join(', ')}`, advice: 'Objects in etcd the apiserver cannot serve are undecodable or undecryptable: see counts for the error.' });
  const { unreadable, changed } = f.secretsRead;
  if (unreadable.length) problems.push({ summary: `${unreadable.length} Secret(s) unreadable through the API: ${unreadable.slice(0, 5).map((u) => u.secret).join(', ')}${unreadable.length > 5 ? ', …' : ''}`, advice: "The apiserver cannot decrypt them: restore the backup's encryption config with the snapshot (restoreMaterial: true) or add the old key to the target's EncryptionConfiguration." });
  if (changed.length) problems.push({ summary: `${changed.length} Secret(s) hold other data than in the baseline: ${changed.slice(0, 5).join(', ')}`, advice: 'Compare the restore source with the baseline: the snapshot may be older than the baseline.' });
  return problems;
}

/** More than one leader, or members listing different clusters: a split the API may not show. */
function membershipProblems(f: Findings, label: (endpoint: string) => string): Problem[] {
  if (f.members.length < 2) return [];
  const problems: Problem[] = [];
  const revisions = f.members.filter((m) => m.revision !== undefined);
  const spread = Math.max(...revisions.map((m) => m.revision!)) - Math.min(...revisions.map((m) => m.revision!));
  // Members applying the same log differ by the writes in flight; thousands apart means different histories.
  if (revisions.length > 1 && spread > REVISION_SPREAD) {
    problems.push({
      summary: `etcd members are at revisions ${spread} apart: ${revisions.map((m) => `${label(m.endpoint)} at ${m.revision}`).join(', ')}`,
      advice: 'Members that apply one raft log stay within a few revisions of each other: these hold different data.',
    });
  }
  const { leaders, disagreeing } = f.membership;
  if (leaders.length > 1) {
    problems.push({ summary: `the etcd members follow ${leaders.length} different leaders (${leaders.join(', ')})`, advice: 'Members of two clusters answer on one endpoint list: give every member the same snapshot and a new --initial-cluster-token, or remove the stray member.' });
  }
  if (disagreeing.length) {
    problems.push({
      summary: `etcd member lists differ: ${disagreeing.map((d) => `${label(d.endpoint)} lists ${d.lists.join(', ')} (the others: ${d.majority.join(', ')})`).join('; ')}`,
      advice: 'A member belongs to another cluster: it was started from other data or another cluster token. Restore every member from the same snapshot with one new token, or replace the member (member remove, member add, start empty).',
    });
  }
  return problems;
}

function evidenceOf(f: Findings, j: Judgement): Record<string, unknown> {
  const max = j.maxListed;
  const named = <T extends { endpoint: string }>(items: readonly T[]) => items.map((i) => (f.membership.names[i.endpoint] ? { member: f.membership.names[i.endpoint], ...i } : i));
  return {
    members: named(f.members),
    membership: { leaders: f.membership.leaders, disagreeing: f.membership.disagreeing, unanswered: f.membership.unanswered },
    hashKv: f.hashKv,
    memberHashes: { ...f.memberHashes, members: named(f.memberHashes.members), diverging: named(f.memberHashes.diverging) },
    values: f.values ? { ...f.values, changed: capList(f.values.changed, max), missing: capList(f.values.missing, max) } : 'not compared: the restore was not of a snapshot with recorded values',
    revision: f.revision,
    keys: f.keys ? { baseline: f.keys.baseline, current: f.keys.current, missing: capList(f.keys.missing, max), extra: capList(f.keys.extra, max) } : 'no baseline: key sets not compared',
    excludedPrefixes: [...VOLATILE_PREFIXES, ...j.excludePrefixes.map((prefix) => ({ prefix, why: 'excludePrefixes option' }))],
    secretsAtRest: { ...f.atRest, plaintext: capList(f.atRest.plaintext, max) },
    counts: f.counts,
    ...(f.apiError ? { apiError: f.apiError } : {}),
    secretsRead: { sampled: f.secretsRead.sampled, readable: f.secretsRead.readable, unreadable: capList(f.secretsRead.unreadable, max), changed: capList(f.secretsRead.changed, max) },
  };
}
