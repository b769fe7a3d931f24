import { Type } from '@sinclair/typebox';
import { KdrillError } from '../core/errors.js';
import type { ChaosStep, DrillContext } from '../contracts/types.js';
import type { KubeObject } from '../kube/types.js';
import { mapLimit } from '../core/map-limit.js';
import { assertDestructiveAllowed } from '../contracts/guard.js';
import { DurationOption, durationMs, invalidOption, NameList, parseStepOptions } from './options.js';
import { namespacesToList, refusedSystemRefs, selectionProblems, selects, splitRef, type SecretSelection } from './select-secrets.js';
import { waitUntil } from './wait.js';

const ID = 'delete-secrets';

const Options = Type.Object(
  {
    namespaces: Type.Optional(NameList('Namespaces whose Secrets to delete (all non-system Secrets unless names or labelSelector narrow it)')),
    names: Type.Optional(NameList('Secrets as namespace/name, or bare names looked up in `namespaces`')),
    labelSelector: Type.Optional(Type.String({ minLength: 1, description: 'Only Secrets matching this selector (every namespace unless namespaces is set)' })),
    includeSystemNamespaces: Type.Optional(Type.Boolean({ default: false, description: 'Allow kube-system, kube-public and kube-node-lease' })),
    includeSystemSecrets: Type.Optional(Type.Boolean({ default: false, description: 'Also delete service-account token and bootstrap token Secrets' })),
    waitForDeletion: Type.Optional(Type.Boolean({ default: true, description: 'Wait until the Secrets are gone (finalizers included)' })),
    timeout: Type.Optional(DurationOption('How long to wait for the deletion', '1m')),
  },
  { additionalProperties: false },
);

/** Deletes Secrets by namespace, name or label selector; never touches system namespaces unless asked. */
export const deleteSecrets: ChaosStep = {
  id: ID,
  description: 'Delete Secrets (by namespace, namespace/name or label selector); system namespaces only when asked',
  optionsSchema: Options,
  destructive: true,
  async run(ctx, raw) {
    assertDestructiveAllowed(ctx, ID);
    const o = parseStepOptions(ID, Options, raw);
    const selection: SecretSelection = {
      namespaces: o.namespaces,
      names: o.names,
      labelSelector: o.labelSelector,
      includeSystemNamespaces: o.includeSystemNamespaces ?? false,
      includeSystemSecrets: o.includeSystemSecrets ?? false,
    };
    checkSelection(selection);
    const secrets = await findSecrets(ctx, selection);
    const refs = secrets.map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
    await mapLimit(secrets, 8, async (s) => void (await ctx.client.delete(secretPath(s.metadata.namespace!, s.metadata.name))));
    ctx.facts.set(`chaos.${ID}`, { secrets: refs });
    const namespaces = new Set(secrets.map((s) => s.metadata.namespace));
    const what = `${secrets.length} Secret${secrets.length === 1 ? '' : 's'} in ${namespaces.size} namespace${namespaces.size === 1 ? '' : 's'} (${[...namespaces].join(', ')})`;
    if (o.waitForDeletion === false) return `requested deletion of ${what}`;
    await waitUntil(async () => (await remaining(ctx, secrets)).length === 0, {
      timeoutMs: durationMs(o.timeout ?? '1m'),
      signal: ctx.signal,
      what: `${what} to be deleted`,
      explain: async () => `still present: ${(await remaining(ctx, secrets)).join(', ')}`,
      hint: 'a Secret holds a finalizer no controller removes: remove it, or raise the timeout',
    });
    return `deleted ${what}`;
  },
};

function checkSelection(selection: SecretSelection): void {
  const problems = selectionProblems(selection);
  if (problems.length) throw invalidOption(ID, problems.join('; '));
  const refused = refusedSystemRefs(selection);
  if (refused.length) {
    throw invalidOption(ID, `refusing to delete Secrets in system namespace(s): ${refused.join(', ')}`, 'set includeSystemNamespaces: true if the drill really means to break the control plane\'s own Secrets');
  }
}

/** The Secrets the selection names; every explicitly named one must exist, and something must be selected. */
async function findSecrets(ctx: DrillContext, selection: SecretSelection): Promise<KubeObject[]> {
  const scopes = namespacesToList(selection);
  const paths = scopes ? scopes.map((ns) => `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets`) : ['/api/v1/secrets'];
  const listed: KubeObject[] = [];
  for (const path of paths) listed.push(...(await ctx.client.listAll(path, selection.labelSelector ? { labelSelector: selection.labelSelector } : {})).items);
  const chosen = listed.filter((s) => selects(selection, s));
  const missing = (selection.names ?? []).filter((ref) => {
    const { namespace, name } = splitRef(ref);
    return !chosen.some((s) => s.metadata.name === name && (namespace === undefined || s.metadata.namespace === namespace));
  });
  if (missing.length) throw nothingToDelete(`no Secret ${missing.join(', ')}${selection.labelSelector ? ` matching ${selection.labelSelector}` : ''}`);
  if (!chosen.length) throw nothingToDelete('the selection matches no Secret');
  return chosen;
}

async function remaining(ctx: DrillContext, secrets: KubeObject[]): Promise<string[]> {
  const left: string[] = [];
  for (const s of secrets) {
    const now = await ctx.client.getOptional(secretPath(s.metadata.namespace!, s.metadata.name));
    // A Secret re-created under the same name (a new uid) counts as deleted: the drill's Secret is gone.
    if (now && now.metadata.uid === s.metadata.uid) left.push(`${s.metadata.namespace}/${s.metadata.name}`);
  }
  return left;
}

function secretPath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;
}

function nothingToDelete(problem: string): KdrillError {
  return new KdrillError('E_SCENARIO_INVALID', `chaos step ${ID}: ${problem}`, {
    hint: 'a chaos step must break something: select Secrets the fixtures create, or fix the names/selector',
  });
}
