import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runResultsFixture } from '../../src/reporters/fixtures/run-results.js';
import { parseGatewayUrl, pushMetrics } from '../../src/metrics/pushgateway.js';
import { parseExposition, type MetricFamily } from '../../src/metrics/exposition.js';
import { pushgatewayBinary, startPushgateway } from '../support/pushgateway.js';

describe.skipIf(!pushgatewayBinary.path)(`push to a real Pushgateway${pushgatewayBinary.path ? '' : ` (skipped: ${pushgatewayBinary.skipReason})`}`, () => {
  let gateway: Awaited<ReturnType<typeof startPushgateway>>;
  beforeAll(async () => {
    gateway = await startPushgateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const scrape = async (): Promise<MetricFamily[]> => parseExposition(await (await fetch(`${gateway.url}/metrics`)).text());
  const sample = (families: MetricFamily[], name: string, labels: Record<string, string>) =>
    families.find((f) => f.name === name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));

  it('accepts every group, exposes it with job/scenario labels, and carries the last success over a failed run', async () => {
    const first = runResultsFixture();
    first.scenarios[1]!.verdict = 'passed';
    await pushMetrics(parseGatewayUrl(gateway.url), first);
    const afterFirst = await scrape();
    const passedAt = Date.parse(first.scenarios[1]!.finishedAt) / 1000;
    expect(sample(afterFirst, 'kdrill_drill_last_success_timestamp_seconds', { job: 'kdrill', scenario: 'secret-wipe' })?.value).toBe(passedAt);
    expect(sample(afterFirst, 'kdrill_check_failed', { scenario: 'secret-wipe', check_id: 'secrets-match' })?.value).toBe(1);
    // The gateway checks pushed text itself: a malformed or inconsistent push would have been refused (HTTP 400).
    expect(sample(afterFirst, 'push_failure_time_seconds', { scenario: 'secret-wipe' })?.value).toBe(0);

    const second = runResultsFixture();
    second.scenarios[1]!.finishedAt = new Date(Date.parse(second.scenarios[1]!.finishedAt) + 86_400_000).toISOString();
    second.scenarios[1]!.measurements = {};
    await pushMetrics(parseGatewayUrl(gateway.url), second);
    const afterSecond = await scrape();
    expect(sample(afterSecond, 'kdrill_drill_last_success_timestamp_seconds', { scenario: 'secret-wipe' })?.value).toBe(passedAt);
    expect(sample(afterSecond, 'kdrill_drill_last_run_timestamp_seconds', { scenario: 'secret-wipe' })?.value).toBe(passedAt + 86_400);
    expect(sample(afterSecond, 'kdrill_drill_verdict', { scenario: 'secret-wipe', verdict: 'failed' })?.value).toBe(1);
    expect(sample(afterSecond, 'kdrill_rto_seconds', { scenario: 'secret-wipe' })).toBeUndefined();
    expect(sample(afterSecond, 'kdrill_rto_seconds', { scenario: 'etcd-fresh-restore' })?.value).toBe(78.5);
  });
});
