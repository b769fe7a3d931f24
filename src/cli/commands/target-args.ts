import { join, resolve } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { parse } from 'yaml';
import { Value } from '@sinclair/typebox/value';
import { KdrillError } from '../../core/errors.js';
import { removeOnExit } from '../../core/cleanup.js';
import type { Logger } from '../../core/logger.js';
import { attachLocalCluster } from '../../providers/local/create.js';
import { clustersDir } from '../../providers/local/paths.js';
import { openKubeconfigCluster } from '../../providers/kubeconfig.js';
import type { Cluster } from '../../providers/types.js';
import { createDrillContext, type EngineContext } from '../../engine/context.js';
import { FileAuditLog, nullAuditLog, type AuditLog } from '../../audit/audit-log.js';
import { systemClock, type BackupStrategy } from '../../contracts/types.js';
import type { KeyProvider } from '../../crypto/types.js';
import type { BackupStore } from '../../store/types.js';
import { PROVIDERS } from '../../providers/registry.js';

/** Flags that name the cluster a standalone backup or restore acts on. */
export interface TargetFlags {
  cluster?: string;
  kubeconfig?: string;
  context?: string;
  audit?: string;
}

/** `--cluster NAME` (a local cluster kdrill started) or `--kubeconfig PATH [--context C]` (any cluster). */
export async function openTarget(flags: TargetFlags, logger: Logger): Promise<Cluster> {
  if (flags.cluster && flags.kubeconfig) throw new KdrillError('E_KUBECONFIG', 'pass either --cluster or --kubeconfig, not both');
  if (flags.cluster) return attachLocalCluster(join(clustersDir(), flags.cluster), logger);
  if (flags.kubeconfig || process.env.KUBECONFIG) {
    return openKubeconfigCluster({ path: flags.kubeconfig, ...(flags.context ? { context: flags.context } : {}), logger });
  }
  throw new KdrillError('E_KUBECONFIG', 'no cluster given', { hint: 'pass --cluster NAME (kdrill cluster list) or --kubeconfig PATH' });
}

/** Parse `--options` (inline YAML/JSON) and check it against the strategy's schema; mistakes are E_OPTIONS_FLAG. */
export function strategyOptions(strategy: BackupStrategy, text: string | undefined, extra: Record<string, unknown>): Record<string, unknown> {
  const example = 'e.g. --options "{includeKinds: [Secret, ConfigMap], sealKinds: [Vault]}" (quote it for the shell)';
  let parsed: unknown = {};
  if (text) {
    try {
      parsed = parse(text) ?? {};
    } catch (error) {
      // yaml's message names the line and column and ends with the excerpt and a caret under the mistake.
      const [first, ...rest] = (error as Error).message.split('\n');
      const excerpt = rest.filter((line) => line.trim() !== '').slice(0, 3).join('\n');
      throw new KdrillError('E_OPTIONS_FLAG', `--options is not valid YAML/JSON: ${first}${excerpt ? `\n${excerpt}` : ''}`, { hint: `write inline YAML or JSON, ${example}` });
    }
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new KdrillError('E_OPTIONS_FLAG', `--options must be a mapping of option names to values, not ${Array.isArray(parsed) ? 'a list' : JSON.stringify(parsed)}`, { hint: example });
    }
  }
  const options = { ...(parsed as Record<string, unknown>), ...extra };
  const first = Value.Errors(strategy.optionsSchema, options).First();
  if (first) {
    const names = Object.keys((strategy.optionsSchema as { properties?: object }).properties ?? {});
    throw new KdrillError('E_OPTIONS_FLAG', `--options: strategy ${strategy.id} option ${first.path || '/'}: ${first.message} (got ${JSON.stringify(first.value) ?? 'nothing'})`, {
      hint: `${strategy.id} options: ${names.join(', ') || '(none)'}; see docs/scenarios.md`,
    });
  }
  return options;
}

/** The audit log of a one-off command: `--audit FILE`, or none. Open it before the store so reads are recorded. */
export async function commandAudit(path: string | undefined): Promise<AuditLog> {
  return path ? FileAuditLog.open(resolve(path), { runId: `cli-${Date.now()}` }) : nullAuditLog;
}

/** A drill context for a one-off command: no scenario file, a temp work dir, an optional audit log. */
export async function commandContext(init: {
  cluster: Cluster;
  strategy: BackupStrategy;
  store: BackupStore;
  keys: KeyProvider;
  logger: Logger;
  audit: AuditLog;
}): Promise<EngineContext & { done(): Promise<void> }> {
  const audit = init.audit;
  const workDir = await mkdtemp(join(tmpdir(), 'kdrill-cmd-'));
  // It may hold decrypted backup material (a restore's etcd snapshot and keys): removed on every exit, Ctrl-C included.
  removeOnExit(workDir);
  const ctx = createDrillContext({
    runId: `cli-${Date.now()}`,
    scenario: { apiVersion: 'kdrill.dev/v1alpha1', kind: 'Scenario', metadata: { name: 'cli' }, spec: { backup: { strategy: init.strategy.id }, checks: [{ check: 'api-health' }] } },
    scenarioDir: process.cwd(),
    logger: init.logger,
    signal: new AbortController().signal,
    clock: systemClock,
    artifactsDir: workDir,
    workDir,
    provider: PROVIDERS[init.cluster.provider] ?? PROVIDERS.local!,
    cluster: init.cluster,
    store: init.store,
    keys: init.keys,
    audit,
  });
  // A one-off command never destroys the user's cluster.
  ctx.ownedClusters.length = 0;
  return Object.assign(ctx, {
    done: async () => {
      await ctx.release({ keep: true });
      await rm(workDir, { recursive: true, force: true });
    },
  });
}
