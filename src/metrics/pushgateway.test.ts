import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runResultsFixture } from '../reporters/fixtures/run-results.js';
import { redact } from '../core/redact.js';
import { parseExposition, renderExposition, type MetricFamily } from './exposition.js';
import { parseGatewayUrl, pushMetrics } from './pushgateway.js';

/**
 * A stand-in Pushgateway: PUT /metrics/job/<job>/scenario/<name> replaces a group after parsing the body strictly;
 * GET /metrics renders every group with its grouping labels, plus an unrelated histogram as the real one has.
 */
interface FakeGateway {
  url: string;
  groups: Map<string, MetricFamily[]>;
  requests: { method: string; path: string; contentType?: string; authorization?: string }[];
  fail?: number;
}

let server: Server;
let gw: FakeGateway;

beforeEach(async () => {
  gw = { url: '', groups: new Map(), requests: [] };
  server = createServer((req, res) => {
    void handle(req).then(
      ([status, body]) => res.writeHead(status, { 'content-type': 'text/plain; version=0.0.4' }).end(body),
      (error: Error) => res.writeHead(400).end(error.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gw.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function handle(req: IncomingMessage): Promise<[number, string]> {
  gw.requests.push({ method: req.method!, path: req.url!, contentType: req.headers['content-type'], authorization: req.headers.authorization });
  if (gw.fail) return [gw.fail, 'boom'];
  let body = '';
  for await (const chunk of req) body += String(chunk);
  const group = /^\/metrics\/job\/([^/]+)\/scenario\/([^/]+)$/.exec(req.url!);
  if (req.method === 'PUT' && group) {
    const families = parseExposition(body);
    for (const s of families.flatMap((f) => f.samples)) if ('job' in s.labels || 'scenario' in s.labels) throw new Error('grouping label in body');
    gw.groups.set(`${group[1]}/${decodeURIComponent(group[2]!)}`, families);
    return [200, ''];
  }
  if (req.method === 'GET' && req.url === '/metrics') return [200, render()];
  return [404, 'not found'];
}

function render(): string {
  const byName = new Map<string, MetricFamily>();
  for (const [key, families] of gw.groups) {
    const [job, scenario] = key.split('/') as [string, string];
    for (const f of families) {
      const into = byName.get(f.name) ?? byName.set(f.name, { ...f, samples: [] }).get(f.name)!;
      into.samples.push(...f.samples.map((s) => ({ ...s, labels: { ...s.labels, instance: '', job, scenario } })));
    }
  }
  const noise: MetricFamily = { name: 'http_seconds', help: 'h', type: 'histogram', samples: [{ name: 'http_seconds_bucket', labels: { le: '+Inf' }, value: 1 }, { name: 'http_seconds_count', labels: {}, value: 1 }] };
  return renderExposition([noise, ...byName.values()]);
}

const value = (scenario: string, metric: string, labels: Record<string, string> = {}) =>
  gw.groups.get(`kdrill/${scenario}`)?.find((f) => f.name === metric)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('Pushgateway push', () => {
  it('PUTs one group per scenario in text format; a failed drill keeps the last success the gateway holds', async () => {
    const first = runResultsFixture();
    first.scenarios[1]!.verdict = 'passed';
    const pushed = await pushMetrics(parseGatewayUrl(gw.url + '/'), first);
    expect(pushed).toEqual([`${gw.url}/metrics/job/kdrill/scenario/etcd-fresh-restore`, `${gw.url}/metrics/job/kdrill/scenario/secret-wipe`]);
    expect(gw.requests.filter((r) => r.method === 'PUT').every((r) => r.contentType === 'text/plain; version=0.0.4; charset=utf-8')).toBe(true);
    const passedAt = value('secret-wipe', 'kdrill_drill_last_success_timestamp_seconds');
    expect(passedAt).toBe(Date.parse(first.scenarios[1]!.finishedAt) / 1000);

    const second = runResultsFixture();
    second.scenarios[1]!.finishedAt = new Date(Date.parse(second.scenarios[1]!.finishedAt) + 86_400_000).toISOString();
    second.scenarios[1]!.measurements = {};
    await pushMetrics(parseGatewayUrl(gw.url), second);
    expect(value('secret-wipe', 'kdrill_drill_last_success_timestamp_seconds')).toBe(passedAt);
    expect(value('secret-wipe', 'kdrill_drill_verdict', { verdict: 'failed' })).toBe(1);
    // PUT replaced the group: the RTO this failed run never measured is gone, not left at last night's value.
    expect(value('secret-wipe', 'kdrill_rto_seconds')).toBeUndefined();
    expect(gw.requests.map((r) => r.method)).toEqual(['GET', 'PUT', 'PUT', 'GET', 'PUT', 'PUT']);
  });

  it('moves URL credentials into a Basic header, and never prints the password', async () => {
    const gateway = parseGatewayUrl(gw.url.replace('http://', 'http://ops:s3cret-Pa55word@'));
    expect(gateway.base).toBe(gw.url);
    await pushMetrics(gateway, runResultsFixture());
    expect(gw.requests.every((r) => r.authorization === 'Basic ' + Buffer.from('ops:s3cret-Pa55word').toString('base64'))).toBe(true);
    expect(redact('push to ops:s3cret-Pa55word')).not.toContain('s3cret-Pa55word');
  });

  it('a gateway that answers with an error, or not at all, is E_METRICS naming the URL', async () => {
    gw.fail = 500;
    await expect(pushMetrics(parseGatewayUrl(gw.url), runResultsFixture())).rejects.toMatchObject({ code: 'E_METRICS', message: expect.stringContaining(`${gw.url}/metrics: reading the last success times failed: 500`) });
    await new Promise((resolve) => server.close(resolve));
    await expect(pushMetrics(parseGatewayUrl(gw.url), runResultsFixture())).rejects.toMatchObject({ code: 'E_METRICS', message: expect.stringContaining('no answer (ECONNREFUSED)') });
    server.listen(0);
  });

  it('refuses a URL that is not http(s) before any drill runs', () => {
    expect(() => parseGatewayUrl('pushgateway:9091')).toThrow(/http\(s\) URL/);
    expect(() => parseGatewayUrl('not a url')).toThrow(/is not a URL/);
  });
});
