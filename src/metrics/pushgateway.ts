import { KdrillError } from '../core/errors.js';
import { registerSensitive } from '../core/redact.js';
import type { RunResults } from '../contracts/types.js';
import { drillFamilies, forScenario, lastSuccessByScenario } from './drill-metrics.js';
import { CONTENT_TYPE, parseExposition, renderExposition, type MetricFamily } from './exposition.js';

export const PUSH_JOB = 'kdrill';

export interface PushOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** A Pushgateway base URL, with any user:password moved into a Basic Authorization header (fetch refuses them in URLs). */
export interface Gateway {
  base: string;
  headers: Record<string, string>;
}

/** Parse `--pushgateway URL` up front, so a typo fails before the drill (exit 2). */
export function parseGatewayUrl(raw: string): Gateway {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new KdrillError('E_METRICS', `--pushgateway ${JSON.stringify(raw)} is not a URL`, { hint: 'e.g. --pushgateway http://pushgateway.monitoring:9091' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KdrillError('E_METRICS', `--pushgateway must be an http(s) URL, not ${url.protocol}`, { hint: 'e.g. --pushgateway https://pushgateway.example:9091' });
  }
  const headers: Record<string, string> = {};
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    registerSensitive(password);
    headers.authorization = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
    registerSensitive(headers.authorization);
    url.username = '';
    url.password = '';
  }
  return { base: url.toString().replace(/\/+$/, ''), headers };
}

/**
 * Push each scenario's gauges to `<gateway>/metrics/job/kdrill/scenario/<name>` with PUT (the group is replaced, so a
 * series this run did not measure, such as an RTO that never came, disappears). A failed drill keeps the last success
 * time the gateway already holds.
 */
export async function pushMetrics(gateway: Gateway, results: RunResults, options: PushOptions = {}): Promise<string[]> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const previous = lastSuccessByScenario(await readGateway(gateway, doFetch, timeoutMs), (labels) => labels.job === PUSH_JOB);
  const families = drillFamilies(results, (scenario) => previous.get(scenario));
  const pushed: string[] = [];
  for (const name of new Set(results.scenarios.map((s) => s.name))) {
    const url = `${gateway.base}/metrics/job/${PUSH_JOB}/scenario/${encodeURIComponent(name)}`;
    const response = await request(doFetch, url, { method: 'PUT', headers: { ...gateway.headers, 'content-type': CONTENT_TYPE }, body: renderExposition(forScenario(families, name)) }, timeoutMs);
    if (!response.ok) throw pushError(url, `${response.status} ${response.statusText}: ${(await response.text()).slice(0, 200)}`);
    pushed.push(url);
  }
  return pushed;
}

/** What the gateway exposes now (its /metrics page, text format). */
async function readGateway(gateway: Gateway, doFetch: typeof fetch, timeoutMs: number): Promise<MetricFamily[]> {
  const url = `${gateway.base}/metrics`;
  const response = await request(doFetch, url, { headers: { ...gateway.headers, accept: 'text/plain;version=0.0.4' } }, timeoutMs);
  if (!response.ok) throw pushError(url, `reading the last success times failed: ${response.status} ${response.statusText}`);
  try {
    return parseExposition(await response.text());
  } catch (error) {
    throw pushError(url, `its /metrics page is not text exposition format (${(error as Error).message})`);
  }
}

async function request(doFetch: typeof fetch, url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw pushError(url, `no answer (${cause})`);
  }
}

function pushError(url: string, why: string): KdrillError {
  return new KdrillError('E_METRICS', `Pushgateway ${url}: ${why}`, {
    hint: 'check the --pushgateway URL and that the gateway is up; the drill reports are written regardless',
  });
}
