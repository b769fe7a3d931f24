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

  it('counts one suite per scenario, a case per check and objective, and one failure for required checks skipped', () => {
    expect(doc.testsuites).toMatchObject({ '@_tests': '11', '@_failures': '3', '@_errors': '0', '@_skipped': '1' });
    expect(passed).toMatchObject({ '@_name': 'etcd-fresh-restore', '@_tests': '5', '@_failures': '0', '@_skipped': '0', '@_time': '118' });
    expect(failed).toMatchObject({ '@_name': 'secret-wipe', '@_tests': '6', '@_failures': '3', '@_skipped': '1', '@_time': '476' });
  });

  it('shows a skipped check as skipped, and says in a failure why the run exits 1 with it', () => {
    const skipped = failed.testcase.find((c) => c['@_name'] === 'webhook-configs')!;
    expect(skipped.skipped).toBeDefined();
    expect(skipped.failure).toBeUndefined();
    const why = failed.testcase.find((c) => c['@_name'] === 'required checks ran')!;
    expect(why.failure!['@_message']).toBe('passed with 1 check skipped: webhook-configs');
    expect(why.failure!['#text']).toMatch(/^webhook-configs: no webhook configurations in the baseline\n\n.*optional: true.*--allow-skipped/);
    const results = runResultsFixture();
    Object.assign(results.scenarios[1]!.checks[2]!, { asExpected: true, optional: true });
    const cases = parse(renderJunit(results)).testsuites.testsuite[1]!.testcase;
    expect(cases.some((c) => c['@_name'] === 'required checks ran')).toBe(false);
  });

  it('names classes after the scenario and times checks in seconds', () => {
    expect(failed.testcase.map((c) => `${c['@_classname']} ${c['@_name']}`)).toEqual([
      'kdrill.secret-wipe required checks ran',
      'kdrill.secret-wipe.checks Secrets match the baseline (secrets-match)',
      'kdrill.secret-wipe.checks workloads-ready',
      'kdrill.secret-wipe.checks webhook-configs',
      'kdrill.secret-wipe.objectives RTO <= 5m',
      'kdrill.secret-wipe.objectives RPO <= 1m',
    ]);
    expect(failed.testcase[1]!['@_time']).toBe('6.2');
    expect(failed.testcase[3]!.skipped).toBeDefined();
    // Strict JUnit consumers want a time on every case: objectives carry the measured time.
    expect(failed.testcase.map((c) => c['@_time'])).toEqual(['0', '6.2', '3.9', '0', '432.2', '20']);
  });

  it('counts a check expected to fail that failed as passed', () => {
    const control = passed.testcase.find((c) => c['@_name'].includes('backup-encrypted'))!;
    expect(control.failure).toBeUndefined();
    expect(control['system-out']).toMatch(/^failed as expected: 1 artifact holds/);
  });

  it('keeps the summary as failure message and starts the body with it and the recommendation (GitLab shows only the body)', () => {
    const check = failed.testcase[1]!;
    expect(check.failure!['@_message']).toBe('14 of 120 Secrets are missing after the restore');
    const body = check.failure!['#text']!;
    expect(body.startsWith('14 of 120 Secrets are missing after the restore\n\nrecommendation: The operator recreated these Secrets')).toBe(true);
    expect(body).toContain('\n\nevidence:\nmissing:\n  - team-00/db-credentials\n');
    expect(body.indexOf('recommendation:')).toBeLessThan(body.indexOf('evidence:'));
    expect(body).not.toContain(CANARY);
    expect(failed.testcase[4]!.failure!['@_message']).toBe('RTO measured 7m 12s, target 5m');
  });

  it('puts decisive evidence keys first in the body', () => {
    const results = runResultsFixture();
    const check = results.scenarios[1]!.checks[0]!;
    check.evidence = { accessReview: { samples: ['a', 'b'] }, gained: ['x'] };
    check.decisive = ['gained'];
    const body = parse(renderJunit(results)).testsuites.testsuite[1]!.testcase[1]!.failure!['#text']!;
    expect(body).toContain('evidence:\ngained:\n  - x\naccessReview:');
  });

  it('adds a scenario case with an error when the scenario errored', () => {
    const results = runResultsFixture();
    const wipe = results.scenarios[1]!;
    wipe.verdict = 'error';
    wipe.error = { code: 'E_TIMEOUT', message: 'restore phase exceeded 10m', hint: 'raise timeouts.restore', phase: 'restore' };
    const suite = parse(renderJunit(results)).testsuites.testsuite[1]!;
    expect(suite).toMatchObject({ '@_tests': '7', '@_errors': '1', '@_failures': '3' });
    expect(suite.testcase[0]).toMatchObject({
      '@_classname': 'kdrill.secret-wipe',
      '@_name': 'scenario',
      error: { '@_message': 'E_TIMEOUT: restore phase exceeded 10m', '@_type': 'E_TIMEOUT', '#text': 'phase: restore\nhint: raise timeouts.restore' },
    });
  });

  it('trims long evidence to about 4 KB', () => {
    const results = runResultsFixture();
    results.scenarios[1]!.checks[0]!.evidence = { lines: Array.from({ length: 500 }, (_, i) => `object-${i} differs in .spec.template`) };
    const body = parse(renderJunit(results)).testsuites.testsuite[1]!.testcase[1]!.failure!['#text']!;
    expect(body.length).toBeLessThan(4_600);
    expect(body.startsWith('14 of 120 Secrets are missing')).toBe(true);
    expect(body).toContain('recommendation: The operator recreated');
    expect(body).toMatch(/… \(\d+ more characters; see results.json\)/);
  });
});
