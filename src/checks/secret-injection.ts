import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Check, CheckOutcome, DrillContext } from '../contracts/types.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/types.js';
import { parseCheckOptions } from './check-support.js';
import { compareDigests, digestSecret, registerSecretValues, type SecretDigest } from './secrets/digests.js';
import { listReferrers, listSecrets, pickServiceAccounts } from './secrets/inventory.js';
import { secretOutcome } from './secrets/outcome.js';
import { collectReferences, inspectTlsSecret, resolveReferences, secretKeys, type TlsInspection } from './secrets/references.js';
import { issueServiceAccountToken, probeServiceAccountToken, reviewServiceAccountToken } from './secrets/tokens.js';

const ID = 'secret-injection';

/** Options of the secret-injection check. */
export const SecretInjectionOptions = Type.Object(
  {
    namespaces: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Only these namespaces (default: all)' })),
    labelSelector: Type.Optional(Type.String({ description: 'Only Secrets matching this label selector are compared' })),
    tokenRequests: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 5, description: 'ServiceAccounts to issue and review a token for' })),
    baselineTokens: Type.Optional(Type.Boolean({
      default: false,
      description: 'Also issue tokens at baseline and require the restored cluster to accept them (proves the service-account signing key and SA uids came back: etcd restores; API-level restores create new SA uids, so old tokens fail there by design)',
    })),
  },
  { additionalProperties: false },
);

/** What the baseline keeps: hashes, never values. The HMAC key is a non-enumerable property, so it is never serialised. */
interface SecretBaseline {
  digests: SecretDigest[];
  unresolved: string[];
  tlsProblems: string[];
  serviceAccounts: string[];
}

interface Observation {
  digests: SecretDigest[];
  references: number;
  unresolved: string[];
  tls: Map<string, TlsInspection>;
  referrers: KubeObject[];
}

/** Secrets come back with the same keys and values, workloads' references resolve, TLS pairs are valid and SA tokens work. */
export const secretInjection: Check = {
  id: ID,
  description: 'Secrets restored with the same keys and values (keyed hashes), references resolve, TLS valid, SA tokens accepted',
  optionsSchema: SecretInjectionOptions,

  async baseline(ctx: DrillContext, options: Record<string, unknown>): Promise<unknown> {
    const opts = parseCheckOptions(ID, SecretInjectionOptions, options);
    const runKey = randomBytes(32);
    const seen = await observe(ctx.client, opts, runKey);
    const baseline: SecretBaseline = {
      digests: seen.digests,
      unresolved: seen.unresolved,
      tlsProblems: tlsProblemLines(seen.tls),
      serviceAccounts: pickServiceAccounts(seen.referrers, opts.tokenRequests ?? 5),
    };
    Object.defineProperty(baseline, 'hmacKey', { value: runKey, enumerable: false });
    if (opts.baselineTokens) {
      // Kept in memory only (non-enumerable, registered as sensitive): never in results or reports.
      const issued = new Map<string, string>();
      for (const sa of baseline.serviceAccounts) {
        const [namespace = '', name = ''] = sa.split('/');
        const { token } = await issueServiceAccountToken(ctx.client, namespace, name, 3600);
        if (token) issued.set(sa, token);
      }
      Object.defineProperty(baseline, 'tokens', { value: issued, enumerable: false });
    }
    ctx.logger.debug(`${ID}: baseline of ${seen.digests.length} Secrets, ${seen.references} references`);
    return baseline;
  },

  async verify(ctx: DrillContext, options: Record<string, unknown>, baseline: unknown): Promise<CheckOutcome> {
    const opts = parseCheckOptions(ID, SecretInjectionOptions, options);
    const base = baseline as (SecretBaseline & { hmacKey?: Buffer; tokens?: Map<string, string> }) | undefined;
    if (!base?.hmacKey) {
      return { status: 'error', summary: 'no baseline with its in-memory HMAC key: the baseline phase did not run in this process' };
    }
    const seen = await observe(ctx.client, opts, base.hmacKey);
    const tlsNow = tlsProblemLines(seen.tls);
    const tokens = [];
    for (const sa of base.serviceAccounts) {
      const [namespace = '', name = ''] = sa.split('/');
      tokens.push(await probeServiceAccountToken(ctx.client, namespace, name));
      const old = base.tokens?.get(sa);
      if (old) {
        const review = await reviewServiceAccountToken(ctx.client, namespace, name, old);
        tokens.push({ ...review, detail: `token issued before the disaster: ${review.detail}${review.ok ? '' : ' (the signing key, the service-account issuer or the ServiceAccount uid differs from before the disaster)'}` });
      }
    }
    return secretOutcome({
      comparison: compareDigests(base.digests, seen.digests),
      references: seen.references,
      unresolved: seen.unresolved.filter((u) => !base.unresolved.includes(u)),
      preExistingUnresolved: seen.unresolved.filter((u) => base.unresolved.includes(u)),
      tlsChecked: seen.tls.size,
      tlsProblems: tlsNow.filter((p) => !base.tlsProblems.includes(p)),
      preExistingTlsProblems: tlsNow.filter((p) => base.tlsProblems.includes(p)),
      tlsExpiry: Object.fromEntries([...seen.tls].filter(([, t]) => t.daysLeft !== undefined).map(([id, t]) => [id, t.daysLeft as number])),
      tokens,
    });
  },
};

async function observe(client: KubeClient, opts: { namespaces?: string[]; labelSelector?: string }, runKey: Buffer): Promise<Observation> {
  const [secrets, referrers] = await Promise.all([listSecrets(client, opts.namespaces, opts.labelSelector), listReferrers(client, opts.namespaces)]);
  const digests = secrets.map((s) => digestSecret(s, runKey));
  // References resolve against every Secret of the scope, not only the labelled ones.
  const pool = opts.labelSelector ? await listSecrets(client, opts.namespaces) : secrets;
  pool.forEach(registerSecretValues);
  const refs = collectReferences(referrers);
  const tls = new Map(secrets.filter(isTls).map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, inspectTlsSecret(s)]));
  const unresolved = resolveReferences(refs, pool.map(secretKeys)).map((u) => u.description);
  return { digests, references: refs.filter((r) => !r.optional).length, unresolved, tls, referrers };
}

function isTls(secret: KubeObject): boolean {
  const data = (secret.data ?? {}) as Record<string, unknown>;
  return secret.type === 'kubernetes.io/tls' || ('tls.crt' in data && 'tls.key' in data);
}

function tlsProblemLines(tls: Map<string, TlsInspection>): string[] {
  return [...tls].flatMap(([id, t]) => t.problems.map((p) => `${id}: ${p}`));
}
