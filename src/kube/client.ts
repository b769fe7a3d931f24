import https from 'node:https';
import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { KdrillError } from '../core/errors.js';
import { apiErrorFromBody, isExpired, KubeApiError } from './errors.js';
import type { KubeObject, KubeList } from './types.js';
import { kubeconfigServer, loadKubeConfig } from './kubeconfig.js';

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Per-request timeout in ms (default 60 s). */
  timeoutMs?: number;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size (default 500). */
  limit?: number;
  signal?: AbortSignal;
}

export const FIELD_MANAGER = 'kdrill';

/** A kubeconfig whose server is known now and whose client-node KubeConfig (credentials, TLS) is loaded on first use. */
export interface DeferredKubeConfig {
  server: string;
  load(): Promise<KubeConfig>;
}

/**
 * A raw-JSON Kubernetes client. Objects go over the wire as plain JSON so that no field is dropped or re-typed
 * (client-node's typed models lose unknown fields); TLS and credentials come from client-node's KubeConfig.
 * client-node costs ~0.4 s to import, so a client made by fromFile() loads it with its first request: commands that
 * never reach a cluster (validate, list, --help) do not pay for it.
 */
export class KubeClient {
  readonly server: string;
  private readonly loadConfig: () => Promise<KubeConfig>;
  private base: Promise<https.RequestOptions> | undefined;
  private agent: https.Agent | http.Agent | undefined;
  /** Counts of mutating requests, so tests and checks can prove a restore made no writes. */
  readonly writeCount = { value: 0 };

  constructor(config: KubeConfig | DeferredKubeConfig) {
    if ('load' in config) {
      this.server = config.server.replace(/\/$/, '');
      this.loadConfig = config.load;
      return;
    }
    const cluster = config.getCurrentCluster();
    if (!cluster) {
      throw new KdrillError('E_KUBECONFIG', 'the kubeconfig has no current cluster', {
        hint: 'set current-context, or pass --context NAME',
      });
    }
    this.server = cluster.server.replace(/\/$/, '');
    this.loadConfig = async () => config;
  }

  /** A client for `context` (default: current-context) of a kubeconfig file; E_KUBECONFIG when it names no server. */
  static fromFile(path: string, context?: string): KubeClient {
    return new KubeClient({ server: kubeconfigServer(path, context), load: () => loadKubeConfig(path, context) });
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { status, body } = await this.send(method, path, options);
    if (status >= 400) throw apiErrorFromBody(method, path, status, body);
    // dryRun requests persist nothing: they are not writes.
    if (method !== 'GET' && !options.query?.dryRun) this.writeCount.value++;
    return (body ? JSON.parse(body) : undefined) as T;
  }

  get<T = KubeObject>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, signal ? { signal } : {});
  }

  /** GET returning undefined on 404. */
  async getOptional<T = KubeObject>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** LIST every page (limit + continue); starts again from the beginning if the continue token expired (410). */
  listAll(path: string, options: ListOptions = {}): Promise<KubeList> {
    return this.againIfExpired(() => this.listPages(path, options));
  }

  /**
   * Visits a LIST a page at a time, holding one page. After an expired continue token (410) it starts again from the
   * first page, as listAll does: `visit` may then see an object twice, and must not mind.
   */
  listEach(path: string, options: ListOptions, visit: (items: KubeObject[]) => void | Promise<void>): Promise<void> {
    return this.againIfExpired(async () => {
      for await (const page of this.pages(path, options)) await visit(page.items ?? []);
    });
  }

  /** Runs a whole LIST again, at most twice, when etcd compacted past its continue token. */
  private async againIfExpired<T>(list: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await list();
      } catch (error) {
        if (isExpired(error) && attempt < 2) continue;
        throw error;
      }
    }
  }

  private async listPages(path: string, options: ListOptions): Promise<KubeList> {
    const items: KubeObject[] = [];
    let first: KubeList | undefined;
    for await (const page of this.pages(path, options)) {
      first ??= page;
      items.push(...(page.items ?? []));
    }
    return { ...first, items, metadata: { ...first!.metadata, continue: undefined } } as KubeList;
  }

  /**
   * Each page of a LIST (limit + continue), as it arrives: a caller that handles a page before asking for the next
   * holds one page, not the whole list. An expired continue token (410) is thrown: the caller restarts, as listAll does.
   */
  async *pages(path: string, options: ListOptions = {}): AsyncGenerator<KubeList> {
    let continueToken: string | undefined;
    do {
      const page = await this.request<KubeList>('GET', path, {
        query: {
          limit: options.limit ?? 500,
          continue: continueToken,
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
        },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      yield page;
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
  }

  /** Server-side apply of one object at `path` (the object's own URL). */
  apply<T = KubeObject>(path: string, object: unknown, options: { force?: boolean; dryRun?: boolean } = {}): Promise<T> {
    return this.request<T>('PATCH', path, {
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: {
        fieldManager: FIELD_MANAGER,
        force: options.force ?? true,
        dryRun: options.dryRun ? 'All' : undefined,
        fieldValidation: 'Strict',
      },
    });
  }

  create<T = KubeObject>(collectionPath: string, object: unknown): Promise<T> {
    return this.request<T>('POST', collectionPath, { body: object, query: { fieldManager: FIELD_MANAGER } });
  }

  replace<T = KubeObject>(path: string, object: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body: object, query: { fieldManager: FIELD_MANAGER } });
  }

  async delete(path: string, options: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' } = {}): Promise<boolean> {
    try {
      await this.request('DELETE', path, {
        body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: options.propagationPolicy ?? 'Background' },
      });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false;
      throw error;
    }
  }

  /** GET a non-JSON endpoint such as /readyz; resolves with status and text, never throws on HTTP status. */
  async raw(path: string, signal?: AbortSignal): Promise<{ status: number; body: string }> {
    return this.send('GET', path, signal ? { signal } : {});
  }

  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<{ status: number; body: string }> {
    const base = await this.baseOptions();
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { ...(base.headers as Record<string, string>), Accept: 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        url,
        { ...base, method, headers, agent: this.agent, signal: options.signal, timeout: options.timeoutMs ?? 60_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new KdrillError('E_TIMEOUT', `${method} ${path}: no answer from ${this.server}`)));
      req.on('error', (error) => reject(connectionError(method, path, this.server, error)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Loaded once per client, also under concurrent first requests; a failed load is retried by the next request. */
  private baseOptions(): Promise<https.RequestOptions> {
    if (this.base) return this.base;
    const loading = this.connectOptions();
    loading.catch(() => {
      if (this.base === loading) this.base = undefined;
    });
    this.base = loading;
    return loading;
  }

  private async connectOptions(): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = {};
    await (await this.loadConfig()).applyToHTTPSOptions(opts);
    // client-node builds a fresh agent per call; one keep-alive agent is what makes bulk restores fast.
    const tls = { ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername };
    this.agent = this.server.startsWith('https:')
      ? new https.Agent({ ...tls, keepAlive: true, maxSockets: 32 })
      : new http.Agent({ keepAlive: true, maxSockets: 32 });
    return { ...tls, headers: opts.headers ?? {}, auth: opts.auth };
  }
}

function connectionError(method: string, path: string, server: string, error: Error): Error {
  if (error instanceof KdrillError) return error;
  if (error.name === 'AbortError') return new KdrillError('E_ABORTED', `${method} ${path}: aborted`);
  return new KdrillError('E_KUBE_API', `${method} ${path}: cannot reach ${server}: ${error.message}`, {
    hint: 'is the apiserver running and the kubeconfig server address right?',
  });
}
