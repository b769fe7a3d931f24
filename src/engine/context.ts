import { randomBytes } from 'node:crypto';
import type { Logger } from '../core/logger.js';
import { KubeClient } from '../kube/client.js';
import type { Cluster, ClusterProvider } from '../providers/types.js';
import type { BackupStore } from '../store/types.js';
import type { KeyProvider } from '../crypto/types.js';
import type { Scenario } from '../scenario/schema.js';
import type { AuditLog } from '../audit/audit-log.js';
import { auditScopeOf, clusterAudit } from '../audit/actor.js';
import type { Clock, DrillContext } from '../contracts/types.js';

export interface ContextInit {
  runId: string;
  scenario: Scenario;
  scenarioDir: string;
  logger: Logger;
  signal: AbortSignal;
  clock: Clock;
  artifactsDir: string;
  workDir: string;
  provider: ClusterProvider;
  cluster: Cluster;
  store: BackupStore;
  keys: KeyProvider;
  audit: AuditLog;
  /** Provider options for clusters the drill creates later (fresh restore targets). */
  providerOptions?: Record<string, unknown>;
}

/** A DrillContext plus what only the engine needs: every cluster it created, for teardown. */
export interface EngineContext extends DrillContext {
  readonly ownedClusters: Cluster[];
  /** Close clients; destroy every owned cluster unless `keep`. */
  release(options: { keep: boolean }): Promise<void>;
}

/** Build the context one scenario run shares with every plugin. */
export function createDrillContext(init: ContextInit): EngineContext {
  const ownedClusters: Cluster[] = init.cluster.createdByKdrill ? [init.cluster] : [];
  const clients: KubeClient[] = [];
  const newClient = (cluster: Cluster) => {
    const client = KubeClient.fromFile(cluster.kubeconfigPath);
    clients.push(client);
    return client;
  };
  const ctx: EngineContext = {
    runId: init.runId,
    scenario: init.scenario,
    scenarioDir: init.scenarioDir,
    logger: init.logger,
    signal: init.signal,
    clock: init.clock,
    artifactsDir: init.artifactsDir,
    workDir: init.workDir,
    provider: init.provider,
    cluster: init.cluster,
    client: newClient(init.cluster),
    store: init.store,
    keys: init.keys,
    // Every line a plugin records names the cluster it acted on and the kubeconfig identity used.
    audit: clusterAudit(init.audit, () => ctx.cluster),
    canaries: [],
    facts: new Map(),
    ownedClusters,
    async createFreshCluster(purpose: string, on?: { provider: ClusterProvider; options: Record<string, unknown> }) {
      const provider = on?.provider ?? init.provider;
      const name = `${init.scenario.metadata.name}-${purpose}-${randomBytes(2).toString('hex')}`.slice(0, 63);
      const cluster = await provider.create({ name, options: on?.options ?? init.providerOptions ?? {}, logger: init.logger, signal: init.signal });
      ownedClusters.push(cluster);
      await init.audit.record({ action: 'cluster.create', subject: cluster.name, details: { purpose, provider: provider.id }, scope: auditScopeOf(cluster) });
      return cluster;
    },
    useCluster(cluster: Cluster) {
      ctx.cluster = cluster;
      ctx.client = newClient(cluster);
    },
    async release({ keep }) {
      for (const client of clients) client.close();
      if (keep) {
        for (const cluster of ownedClusters) await cluster.detach?.();
        return;
      }
      for (const cluster of ownedClusters) {
        // One cluster that fails to stop must not keep the others running.
        try {
          const scope = auditScopeOf(cluster); // read before destroy() removes the kubeconfig
          await cluster.destroy();
          await init.audit.record({ action: 'cluster.destroy', subject: cluster.name, scope });
        } catch (error) {
          init.logger.warn(`could not destroy cluster ${cluster.name}: ${(error as Error).message.split('\n')[0]} (kdrill cluster down ${cluster.name})`);
        }
      }
    },
  };
  return ctx;
}
