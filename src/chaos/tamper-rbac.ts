import { randomBytes } from 'node:crypto';
import type { ChaosStep, DrillContext } from '../contracts/types.js';
import { isConflict } from '../kube/errors.js';
import type { KubeObject } from '../kube/types.js';
import { assertDestructiveAllowed } from '../contracts/guard.js';
import { invalidOption, parseStepOptions } from './options.js';
import { BOOTSTRAP_DISGUISE, rbacPath, rbacSubject, tamperProblems, TamperOptions, WILDCARD_RULE, type ObjectRef } from './tamper-rbac-options.js';

const ID = 'tamper-rbac';
/** The ctx.facts key holding a TamperRecord[] of every change this step made in the run. */
export const TAMPER_FACTS_KEY = 'chaos.tamper-rbac';

/** One change an attacker made, as tests and checks find it in ctx.facts. */
export interface TamperRecord {
  mode: TamperOptions['mode'];
  /** The RBAC object created or changed. */
  object: ObjectRef;
  subject?: Record<string, string>;
  /** Every subject of an escalate-binding (subject first, then extraSubjects). */
  subjects?: Record<string, string>[];
  roleRef?: { kind: string; name: string };
  rule?: typeof WILDCARD_RULE;
}

/** Changes RBAC the way an attacker would: a cluster-admin binding, a wildcard rule, or an extra subject on a binding. */
export const tamperRbac: ChaosStep = {
  id: ID,
  description: 'Tamper with RBAC like an attacker: bind cluster-admin to a subject, widen a role to */*/*, or add a subject to a binding',
  optionsSchema: TamperOptions,
  destructive: true,
  async run(ctx, raw) {
    assertDestructiveAllowed(ctx, ID);
    const o = parseStepOptions(ID, TamperOptions, raw);
    const problems = tamperProblems(o);
    if (problems.length) throw invalidOption(ID, problems.join('; '));
    const record = o.mode === 'escalate-binding' ? await escalate(ctx, o) : o.mode === 'widen-role' ? await widen(ctx, o.role!) : await addSubject(ctx, o);
    const records = (ctx.facts.get(TAMPER_FACTS_KEY) as TamperRecord[] | undefined) ?? [];
    ctx.facts.set(TAMPER_FACTS_KEY, [...records, record]);
    return summary(record);
  },
};

async function escalate(ctx: DrillContext, o: TamperOptions): Promise<TamperRecord> {
  const roleName = o.clusterRole ?? 'cluster-admin';
  if (!(await ctx.client.getOptional(rbacPath({ kind: 'ClusterRole', name: roleName })))) {
    throw invalidOption(ID, `ClusterRole ${roleName} does not exist`, 'a binding to a missing ClusterRole grants nothing: name an existing one (default cluster-admin)');
  }
  const name = o.bindingName ?? `kdrill-escalate-${randomBytes(3).toString('hex')}`;
  const subjects = [o.subject!, ...(o.extraSubjects ?? [])].map(rbacSubject);
  const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName };
  // A disguised binding carries nothing of kdrill's: an attacker would not label it either.
  const metadata = o.disguise ? { name, ...BOOTSTRAP_DISGUISE } : { name, labels: { 'kdrill.dev/run-id': ctx.runId } };
  await ctx.client.create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata, roleRef, subjects });
  return { mode: 'escalate-binding', object: { kind: 'ClusterRoleBinding', name }, subject: subjects[0]!, subjects, roleRef: { kind: 'ClusterRole', name: roleName } };
}

async function widen(ctx: DrillContext, role: ObjectRef): Promise<TamperRecord> {
  await updateObject(ctx, role, (object) => {
    if (object.aggregationRule) {
      throw invalidOption(ID, `ClusterRole ${role.name} is aggregated: the controller rewrites its rules`, 'widen a non-aggregated role, or one of the roles it aggregates');
    }
    object.rules = [...((object.rules as unknown[] | undefined) ?? []), { ...WILDCARD_RULE }];
  });
  return { mode: 'widen-role', object: role, rule: WILDCARD_RULE };
}

async function addSubject(ctx: DrillContext, o: TamperOptions): Promise<TamperRecord> {
  const subject = rbacSubject(o.subject!);
  await updateObject(ctx, o.binding!, (object) => {
    const subjects = (object.subjects as Record<string, string>[] | undefined) ?? [];
    if (subjects.some((s) => s.kind === subject.kind && s.name === subject.name && (s.namespace ?? '') === (subject.namespace ?? ''))) {
      throw invalidOption(ID, `${o.binding!.kind} ${o.binding!.name} already has subject ${subject.kind} ${subject.name}`, 'a chaos step must change something: pick another subject');
    }
    object.subjects = [...subjects, subject];
  });
  const roleRef = await ctx.client.get(rbacPath(o.binding!)).then((b) => b.roleRef as { kind: string; name: string });
  return { mode: 'add-subject', object: o.binding!, subject, roleRef: { kind: roleRef.kind, name: roleRef.name } };
}

/** GET, change, PUT with the read resourceVersion; one retry when someone else wrote in between. */
async function updateObject(ctx: DrillContext, ref: ObjectRef, change: (object: KubeObject) => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const object = await ctx.client.getOptional(rbacPath(ref));
    if (!object) throw invalidOption(ID, `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} does not exist`);
    change(object);
    try {
      await ctx.client.replace(rbacPath(ref), object);
      return;
    } catch (error) {
      if (!isConflict(error) || attempt >= 2) throw error;
    }
  }
}

function summary(r: TamperRecord): string {
  const where = `${r.object.kind} ${r.object.namespace ? `${r.object.namespace}/` : ''}${r.object.name}`;
  const who = (r.subjects ?? (r.subject ? [r.subject] : [])).map((s) => `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`).join(' and ');
  if (r.mode === 'escalate-binding') return `created ${where} granting ${r.roleRef!.kind} ${r.roleRef!.name} to ${who}`;
  if (r.mode === 'widen-role') return `added rule */*/* (every verb on every resource) to ${where}`;
  return `added ${who} to ${where} (grants ${r.roleRef!.kind} ${r.roleRef!.name})`;
}
