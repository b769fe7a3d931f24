import { KdrillError } from '../../core/errors.js';
import type { KubeClient } from '../../kube/client.js';
import { ResourceMapper } from '../../kube/discovery.js';
import type { ApiResource } from '../../kube/types.js';
import { abortableSleep, withRetry, type RetryPolicy } from './retry.js';

/** Attempts at finding a kind that discovery does not list yet (a CRD established a moment ago). */
const LOOKUP_ATTEMPTS = 4;
const LOOKUP_PAUSE_MS = 1_000;

/** Finds the served resource (plural, scope) of an apiVersion + kind. */
export interface KindResolver {
  resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ApiResource | undefined>;
  /** Re-read discovery (after CRDs were created). */
  refresh(): Promise<unknown>;
}

/** Resolves apiVersion + kind through discovery, reloading it when a kind is new; loads retry while the apiserver restarts. */
export class Resolver implements KindResolver {
  private mapper: Promise<ResourceMapper>;
  private loadedAt = 0;
  /** Kinds found missing after every attempt: not looked for again until the next explicit refresh. */
  private readonly missing = new Set<string>();

  constructor(
    private readonly client: Pick<KubeClient, 'get' | 'getOptional'>,
    private readonly policy: RetryPolicy,
  ) {
    this.mapper = this.load();
  }

  refresh(): Promise<ResourceMapper> {
    this.missing.clear();
    this.mapper = this.load();
    return this.mapper;
  }

  async resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ApiResource | undefined> {
    const key = `${apiVersion}|${kind}`;
    for (let attempt = 0; ; attempt++) {
      const found = (await this.mapper).lookup(apiVersion, kind);
      if (found) return found;
      if (this.missing.has(key)) return undefined;
      if (attempt >= LOOKUP_ATTEMPTS) {
        this.missing.add(key);
        return undefined;
      }
      // Objects resolving at once share one reload; a reload younger than the pause is reused.
      if (this.policy.now() - this.loadedAt >= LOOKUP_PAUSE_MS) {
        this.mapper = this.load();
        await this.mapper;
      } else await abortableSleep(LOOKUP_PAUSE_MS, signal);
    }
  }

  private load(): Promise<ResourceMapper> {
    this.loadedAt = this.policy.now();
    const loading = withRetry(async () => {
      const mapper = await ResourceMapper.load(this.client as KubeClient);
      // Discovery skips groups that fail to answer; without even the core group the apiserver is not ready yet.
      if (!mapper.lookup('v1', 'Namespace')) throw new KdrillError('E_KUBE_API', 'discovery returned no core resources (is the apiserver starting?)');
      return mapper;
    }, this.policy);
    // Callers see a failure when they await; a load nobody awaited (the restore failed earlier) must not crash the process.
    loading.catch(() => undefined);
    return loading;
  }
}
