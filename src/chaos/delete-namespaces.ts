import { Type } from '@sinclair/typebox';
import { KdrillError } from '../core/errors.js';
import type { ChaosStep, DrillContext } from '../contracts/types.js';
import type { KubeObject } from '../kube/types.js';
import { countObjectsIn, total } from './count-objects.js';
import { assertDestructiveAllowed } from '../contracts/guard.js';
import { DurationOption, durationMs, NameList, parseStepOptions, requireExactlyOne } from './options.js';
import { waitUntil } from './wait.js';

const ID = 'delete-namespaces';

/** The apiserver refuses to delete these (and a drill that did would break the cluster itself, not its workloads). */
export const PROTECTED_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

const Options = Type.Object(
  {
    names: Type.Optional(NameList('Namespaces to delete')),
    labelSelector: Type.Optional(Type.String({ minLength: 1, description: 'Delete every namespace matching this selector' })),
    waitForDeletion: Type.Optional(Type.Boolean({ default: true, description: 'Wait until the namespaces are gone, finalizers included' })),
    timeout: Type.Optional(DurationOption('How long to wait for the namespaces to be gone', '3m')),
  },
  { additionalProperties: false },
);

/** Deletes namespaces by name or label selector and (by default) waits until they and everything inside are gone. */
export const deleteNamespaces: ChaosStep = {
  id: ID,
  description: 'Delete namespaces (by name or label selector) and wait until they are gone, finalizers included',
  optionsSchema: Options,
  destructive: true,
  async run(ctx, raw) {
    assertDestructiveAllowed(ctx, ID);
    const o = parseStepOptions(ID, Options, raw);
    requireExactlyOne(ID, o, ['names', 'labelSelector']);
    const names = await selectNamespaces(ctx, o.names, o.labelSelector);
    const counts = await countObjectsIn(ctx.client, names);
    const started = ctx.clock.now();
    for (const name of names) await ctx.client.delete(namespacePath(name));
    ctx.facts.set(`chaos.${ID}`, { namespaces: names, objects: Object.fromEntries(counts) });
    const what = `${names.length} namespace${names.length === 1 ? '' : 's'} (${names.join(', ')}) holding ${total(counts)} objects`;
    if (o.waitForDeletion === false) return `requested deletion of ${what}`;
    await waitGone(ctx, names, durationMs(o.timeout ?? '3m'));
    return `deleted ${what}; gone after ${((ctx.clock.now() - started) / 1000).toFixed(1)}s`;
  },
};

/** The namespaces to delete: named ones must exist and not be protected; selected ones skip protected namespaces. */
export async function selectNamespaces(ctx: Pick<DrillContext, 'client'>, names: string[] | undefined, selector: string | undefined): Promise<string[]> {
  if (names) {
    const refused = names.filter((n) => PROTECTED_NAMESPACES.includes(n));
    if (refused.length) {
      throw new KdrillError('E_SCENARIO_INVALID', `chaos step ${ID}: refusing to delete system namespace${refused.length > 1 ? 's' : ''} ${refused.join(', ')}`, {
        hint: 'delete the namespaces that hold your workloads; deleting a system namespace breaks the cluster, not the data under test (use wipe-cluster for that)',
      });
    }
    const missing = [];
    for (const name of names) if (!(await ctx.client.getOptional(namespacePath(name)))) missing.push(name);
    if (missing.length) throw nothingToDelete(`namespace${missing.length > 1 ? 's' : ''} ${missing.join(', ')} do${missing.length > 1 ? '' : 'es'} not exist`);
    return [...new Set(names)];
  }
  const list = await ctx.client.listAll('/api/v1/namespaces', { labelSelector: selector! });
  const selected = list.items.map((n) => n.metadata.name).filter((n) => !PROTECTED_NAMESPACES.includes(n));
  if (!selected.length) throw nothingToDelete(`no namespace matches labelSelector "${selector}"`);
  return selected;
}

async function waitGone(ctx: DrillContext, names: string[], timeoutMs: number): Promise<void> {
  const remaining = async () => {
    const left: KubeObject[] = [];
    for (const name of names) {
      const ns = await ctx.client.getOptional(namespacePath(name));
      if (ns) left.push(ns);
    }
    return left;
  };
  await waitUntil(async () => (await remaining()).length === 0, {
    timeoutMs,
    signal: ctx.signal,
    intervalMs: 500,
    what: `namespaces ${names.join(', ')} to be deleted`,
    explain: async () => (await remaining()).map(describeTerminating).join('; '),
    hint: 'something holds a finalizer: check kube-controller-manager runs the namespace controller, and that no object in the namespace waits on a finalizer of a removed controller',
  });
}

/** `shop: Terminating, finalizers kubernetes; NamespaceFinalizersRemaining: ...` for a timeout message. */
export function describeTerminating(ns: KubeObject): string {
  const spec = ns.spec as { finalizers?: string[] } | undefined;
  const status = ns.status as { phase?: string; conditions?: { type: string; status: string; message?: string }[] } | undefined;
  const finalizers = [...(spec?.finalizers ?? []), ...(ns.metadata.finalizers ?? [])];
  const problems = (status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => `${c.type}: ${c.message ?? ''}`.trim());
  return [`${ns.metadata.name}: ${status?.phase ?? 'unknown phase'}`, finalizers.length ? `finalizers ${finalizers.join(', ')}` : '', ...problems]
    .filter(Boolean)
    .join(', ');
}

function namespacePath(name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(name)}`;
}

function nothingToDelete(problem: string): KdrillError {
  return new KdrillError('E_SCENARIO_INVALID', `chaos step ${ID}: ${problem}`, {
    hint: 'a chaos step must break something: name namespaces the fixtures create, or fix the selector',
  });
}
