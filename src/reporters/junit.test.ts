import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSensitive, registerSensitive } from '../core/redact.js';
import { CANARY, runResultsFixture } from './fixtures/run-results.js';
import { renderJunit } from './junit.js';

interface Case {
  '@_classname': string;
  '@_name': string;
  '@_time'?: string;
  failure?: { '@_message': string; '#text'?: string };
  error?: { '@_message': string; '@_type': string; '#text'?: string };
  skipped?: unknown;
  'system-out'?: string;
}
interface Suite {
  '@_name': string;
  '@_tests': string;
  '@_failures': string;
  '@_errors': string;
  '@_skipped': string;
  '@_time': string;
  testcase: Case[];
}

const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testsuite' || name === 'testcase', cdataPropName: false });
const parse = (xml: string) => parser.parse(xml) as { testsuites: Record<string, string> & { testsuite: Suite[] } };

beforeAll(() => registerSensitive(CANARY));
afterAll(() => clearSensitive());

describe('renderJunit', () => {
  let doc: ReturnType<typeof parse>;
  let passed: Suite;
  let failed: Suite;
  // Rendered in a hook, after the canary is registered.
  beforeAll(() => {
    doc = parse(renderJunit(runResultsFixture()));
    [passed, failed] = doc.testsuites.testsuite as [Suite, Suite];
  });

  it('counts one suite per scenario and a case per check and objective', () => {
    expect(doc.testsuites).toMatchObject({ '@_tests': '10', '@_failures': '2', '@_errors': '0', '@_skipped': '1' });
    expect(passed).toMatchObject({ '@_name': 'etcd-fresh-restore', '@_tests': '5', '@_failures': '0', '@_skipped': '0', '@_time': '118' });
    expect(failed).toMatchObject({ '@_name': 'secret-wipe', '@_tests': '5', '@_failures': '2', '@_skipped': '1', '@_time': '476' });
  });

  it('names classes after the scenario and times checks in seconds', () => {
    expect(failed.testcase.map((c) => `${c['@_classname']} ${c['@_name']}`)).toEqual([
      'kdrill.secret-wipe.checks Secrets match the baseline (secrets-match)',
      'kdrill.secret-wipe.checks workloads-ready',
      'kdrill.secret-wipe.checks webhook-configs',
      'kdrill.secret-wipe.objectives RTO <= 5m',
      'kdrill.secret-wipe.objectives RPO <= 1m',
    ]);
    expect(failed.testcase[0]!['@_time']).toBe('6.2');
    expect(failed.testcase[2]!.skipped).toBeDefined();
  });

  it('counts a check expected to fail that failed as passed', () => {
    const control = passed.testcase.find((c) => c['@_name'].includes('backup-encrypted'))!;
    expect(control.failure).toBeUndefined();
    expect(control['system-out']).toMatch(/^failed as expected: 1 artifact holds/);
  });

  it('gives the summary as failure message and readable evidence as body', () => {
    const check = failed.testcase[0]!;
    expect(check.failure!['@_message']).toBe('14 of 120 Secrets are missing after the restore');
    expect(check.failure!['#text']).toContain('missing:\n  - team-00/db-credentials\n');
    expect(check.failure!['#text']).toContain('recommendation: The operator recreated');
    expect(check.failure!['#text']).not.toContain(CANARY);
    expect(failed.testcase[3]!.failure!['@_message']).toBe('RTO measured 7m 12s, target 5m');
  });

  it('adds a scenario case with an error when the scenario errored', () => {
    const results = runResultsFixture();
    const wipe = results.scenarios[1]!;
    wipe.verdict = 'error';
    wipe.error = { code: 'E_TIMEOUT', message: 'restore phase exceeded 10m', hint: 'raise timeouts.restore', phase: 'restore' };
    const suite = parse(renderJunit(results)).testsuites.testsuite[1]!;
    expect(suite).toMatchObject({ '@_tests': '6', '@_errors': '1', '@_failures': '2' });
    expect(suite.testcase[0]).toMatchObject({
      '@_classname': 'kdrill.secret-wipe',
      '@_name': 'scenario',
      error: { '@_message': 'E_TIMEOUT: restore phase exceeded 10m', '@_type': 'E_TIMEOUT', '#text': 'phase: restore\nhint: raise timeouts.restore' },
    });
  });

  it('trims long evidence to about 4 KB', () => {
    const results = runResultsFixture();
    results.scenarios[1]!.checks[0]!.evidence = { lines: Array.from({ length: 500 }, (_, i) => `object-${i} differs in .spec.template`) };
    const body = parse(renderJunit(results)).testsuites.testsuite[1]!.testcase[0]!.failure!['#text']!;
    expect(body.length).toBeLessThan(4_600);
    expect(body).toMatch(/… \(\d+ more characters; see results.json\)/);
  });
});
