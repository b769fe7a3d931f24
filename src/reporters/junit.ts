import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Builder, TestSuite } from 'junit-report-builder';
import { plural } from '../core/plural.js';
import { redact } from '../core/redact.js';
import type { CheckResult, ObjectiveResult, Reporter, RunResults, ScenarioResult } from '../contracts/types.js';
import { requiredSkipped } from './advice.js';
import { evidenceText, formatDuration } from './format.js';
import { normalizeResults } from './json.js';

/** The JUnit file name CI systems are pointed at. */
export const JUNIT_FILE = 'junit.xml';

// The package is CommonJS whose typings claim an ES default export; require() gets the builder either way.
const builder = createRequire(import.meta.url)('junit-report-builder') as Builder;

const seconds = (ms: number) => Math.round(ms) / 1000;

/** JUnit XML: a testsuite per scenario, a testcase per check and objective, a `scenario` error case when it errored. */
export function renderJunit(input: RunResults): string {
  // The same normalized copy results.json holds, so `kdrill report` reproduces these files byte for byte.
  const results = normalizeResults(input);
  const report = builder.newBuilder().name(`kdrill ${results.runId}`);
  for (const scenario of results.scenarios) addScenario(report.testSuite(), scenario);
  // A scenario not run (its tool is missing here) shows as skipped, with the reason, never as passed.
  for (const s of results.skippedScenarios ?? []) {
    report.testSuite().name(s.name).property('file', s.file).testCase().className(`kdrill.${s.name}`).name('scenario').skipped().standardOutput(s.reason);
  }
  return redact(report.build());
}

function addScenario(suite: TestSuite, scenario: ScenarioResult): void {
  suite
    .name(scenario.name)
    .time(seconds(scenario.durationMs))
    .timestamp(scenario.startedAt.slice(0, 19))
    .property('startedAt', scenario.startedAt)
    .property('timezone', 'UTC')
    .property('file', scenario.file)
    .property('scenarioHash', scenario.scenarioHash)
    .property('verdict', scenario.verdict)
    .property('provider', scenario.environment.provider);
  if (scenario.error) {
    const { code, message, hint, phase } = scenario.error;
    const body = [phase ? `phase: ${phase}` : '', hint ? `hint: ${hint}` : ''].filter(Boolean).join('\n');
    suite.testCase().className(`kdrill.${scenario.name}`).name('scenario').time(0).error(`${code}: ${message}`, code, body || undefined);
  }
  addRequiredSkipped(suite, scenario);
  for (const check of scenario.checks) addCheck(suite, scenario.name, check);
  for (const objective of scenario.objectives) addObjective(suite, scenario.name, objective);
}

/** A failure that says why the run exits 1 when every check that ran passed: a required check was skipped. */
function addRequiredSkipped(suite: TestSuite, scenario: ScenarioResult): void {
  const skipped = requiredSkipped(scenario);
  if (skipped.length === 0) return;
  const message = `passed with ${plural(skipped.length, 'check')} skipped: ${skipped.map((c) => c.id).join(', ')}`;
  const body = [
    ...skipped.map((c) => `${c.id}: ${c.summary}`),
    '',
    'A skipped check proved nothing. Run the drill where it can run, or mark it optional: true in the scenario, or pass --allow-skipped.',
  ].join('\n');
  suite.testCase().className(`kdrill.${scenario.name}`).name('required checks ran').time(0).failure(message, 'skipped').stacktrace(body);
}

function addCheck(suite: TestSuite, scenario: string, check: CheckResult): void {
  const name = check.name === check.id ? check.id : `${check.name} (${check.id})`;
  const testCase = suite.testCase().className(`kdrill.${scenario}.checks`).name(name).time(seconds(check.durationMs));
  const body = failureBody(check);
  if (check.status === 'skipped') {
    testCase.skipped();
    if (check.summary) testCase.standardOutput(check.summary);
  } else if (check.status === 'error') {
    testCase.error(check.summary, 'error', body || undefined);
  } else if (!check.asExpected) {
    // A check that should have failed (a negative control) but passed is a failure too: it proved nothing.
    const message = check.expect === 'fail' ? `expected to fail but passed: ${check.summary}` : check.summary;
    testCase.failure(message, 'check');
    if (body) testCase.stacktrace(body);
  } else if (check.expect === 'fail') {
    testCase.standardOutput(`failed as expected: ${check.summary}`);
  }
}

/**
 * The failure's text body: GitLab shows only this (not `message`), so it leads with the summary and the
 * recommendation, then the evidence (decisive keys first), cut to about 4 KB.
 */
function failureBody(check: CheckResult): string {
  const recommendation = check.recommendation ? `recommendation: ${check.recommendation}` : '';
  const head = [check.summary, recommendation].filter(Boolean).join('\n\n');
  const evidence = evidenceText(check.evidence, Math.max(1024, 4096 - head.length), check.decisive);
  return [head, evidence ? `evidence:\n${evidence}` : ''].filter(Boolean).join('\n\n');
}

function addObjective(suite: TestSuite, scenario: string, objective: ObjectiveResult): void {
  const label = `${objective.name.toUpperCase()} <= ${objective.target}`;
  const testCase = suite.testCase().className(`kdrill.${scenario}.objectives`).name(label).time(seconds(objective.measuredMs ?? 0));
  if (objective.passed) return;
  const measured = objective.measuredMs === undefined ? 'not measured' : `measured ${formatDuration(objective.measuredMs)}`;
  testCase.failure(`${objective.name.toUpperCase()} ${measured}, target ${objective.target}`, 'objective');
  testCase.stacktrace(objective.explanation);
}

/** Writes junit.xml for CI test tabs. */
export const junitReporter: Reporter = {
  id: 'junit',
  description: `${JUNIT_FILE}: JUnit XML for CI (a suite per scenario, a case per check and objective)`,
  async write(results, outDir) {
    await mkdir(outDir, { recursive: true });
    const path = join(outDir, JUNIT_FILE);
    await writeFile(path, renderJunit(results), 'utf8');
    return [path];
  },
};
