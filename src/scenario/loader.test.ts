import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCatalog } from '../../test/fixtures/scenarios/test-catalog.js';
import { KdrillError } from '../core/errors.js';
import { loadDocuments, loadDrill, loadScenario } from './loader.js';
import { contentHash } from './merge.js';
import type { ScenarioValidationError } from './problems.js';

const CORPUS = fileURLToPath(new URL('../../test/fixtures/scenarios/', import.meta.url));
const fixture = (name: string) => path.join(CORPUS, name);
let dir: string;

const scenarioText = (spec: string, name = 'tmp') =>
  `apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

async function write(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

async function rejection(promise: Promise<unknown>): Promise<KdrillError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(KdrillError);
  return error as KdrillError;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kdrill-loader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadScenario', () => {
  it('returns the document, its folder and the hash of its canonical JSON', async () => {
    const loaded = await loadScenario(fixture('valid-full.yaml'), testCatalog());
    expect(loaded.file).toBe(fixture('valid-full.yaml'));
    expect(loaded.dir).toBe(CORPUS.replace(/\/$/, ''));
    expect(loaded.document.metadata.name).toBe('etcd-fresh-restore');
    expect(loaded.document.spec.chaos?.[1]).toEqual({ step: 'kill-component', name: 'kill-etcd-mid-restore', during: 'restore', after: '1.5s', options: { component: 'etcd' } });
    expect(loaded.hash).toBe(contentHash(loaded.document));
    expect(loaded.drill).toBeUndefined();
  });

  it('gives the same hash to the same document written differently', async () => {
    const a = await write('order-a.yaml', scenarioText('  backup: { strategy: resource-export }\n  checks: [{ check: state-diff }]\n'));
    const b = await write('order-b.yaml', scenarioText('  checks:\n    - check: state-diff\n  backup:\n    strategy: resource-export # same\n'));
    const [la, lb] = await Promise.all([loadScenario(a, testCatalog()), loadScenario(b, testCatalog())]);
    expect(la.hash).toBe(lb.hash);
  });

  it('refuses a Drill file', async () => {
    const error = await rejection(loadScenario(fixture('valid-drill.yaml'), testCatalog()));
    expect(error.message).toMatch(/^test\/fixtures\/scenarios\/valid-drill\.yaml:3:7 kind: expected a Scenario, got kind Drill \(hint: a drill lists scenarios/);
    expect((error as ScenarioValidationError).problems).toHaveLength(1);
  });

  it('throws E_SCENARIO_NOT_FOUND with a hint for a missing file', async () => {
    const error = await rejection(loadScenario(path.join(dir, 'nope.yaml'), testCatalog()));
    expect(error.code).toBe('E_SCENARIO_NOT_FOUND');
    expect(error.message).toContain('nope.yaml not found');
    expect(error.hint).toContain('check the path');
  });

  it('reports a plugin whose options schema ajv cannot compile', async () => {
    const catalog = testCatalog();
    catalog.checks['state-diff'] = { description: 'broken', optionsSchema: { type: 'object', frobnicate: true } };
    const error = await rejection(loadScenario(fixture('valid-minimal.yaml'), catalog));
    expect(error.message).toContain('spec.checks[0].check: check "state-diff" has an invalid options schema');
    expect(error.hint).toContain('fix the problem above');
    expect((error as ScenarioValidationError).problems).toHaveLength(1);
  });

  it('checks restore.options against the strategy but lets backup.options supply required fields', async () => {
    const catalog = testCatalog();
    catalog.strategies['resource-export'] = {
      description: 'x',
      targets: ['same'],
      optionsSchema: Type.Object({ namespaces: Type.Array(Type.String()), prune: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    };
    const ok = await write('restore-ok.yaml', scenarioText('  backup: { strategy: resource-export, options: { namespaces: [a] } }\n  restore: { options: { prune: true } }\n  checks: [{ check: state-diff }]\n'));
    await expect(loadScenario(ok, catalog)).resolves.toMatchObject({ document: { spec: { restore: { options: { prune: true } } } } });
    const bad = await write('restore-bad.yaml', scenarioText('  backup: { strategy: resource-export }\n  restore: { options: { prune: 1 } }\n  checks: [{ check: state-diff }]\n'));
    const error = (await rejection(loadScenario(bad, catalog))) as ScenarioValidationError;
    expect(error.problems.map((p) => `${p.line}:${p.path}: ${p.message}`)).toEqual([
      '6:spec.backup.options.namespaces: missing required field "namespaces"',
      '7:spec.restore.options.prune: expected a boolean, got number 1',
    ]);
  });

  it('skips the target rule for strategies that do not declare targets', async () => {
    const catalog = testCatalog();
    delete catalog.strategies['resource-export']!.targets;
    const file = await write('no-targets.yaml', scenarioText('  backup: { strategy: resource-export }\n  restore: { target: fresh }\n  checks: [{ check: state-diff }]\n'));
    await expect(loadScenario(file, catalog)).resolves.toMatchObject({ document: { spec: { restore: { target: 'fresh' } } } });
  });
});

describe('loadDrill', () => {
  it('refuses a Scenario file', async () => {
    const error = await rejection(loadDrill(fixture('valid-minimal.yaml'), testCatalog()));
    expect(error.message).toContain('valid-minimal.yaml:3:7 kind: expected a Drill, got kind Scenario');
  });

  it('merges defaults under each scenario, dedupes and sorts the files', async () => {
    const drill = await loadDrill(fixture('valid-drill.yaml'), testCatalog());
    expect(drill.document.spec.concurrency).toBe(2);
    expect(drill.scenarios.map((s) => path.relative(CORPUS, s.file))).toEqual(['parts/nightly-a.yaml', 'parts/nightly-b.yaml', 'valid-minimal.yaml']);
    const [a, b, minimal] = drill.scenarios;
    expect(a!.document.spec).toEqual({
      cluster: { provider: 'local' },
      backup: { strategy: 'etcd-snapshot' },
      checks: [{ check: 'state-diff' }, { check: 'rbac-creep' }],
      chaos: [{ step: 'delete-secrets' }],
    });
    // The scenario wins field by field; its list replaces the default list.
    expect(b!.document.spec.backup).toEqual({ strategy: 'etcd-snapshot', options: { compress: false } });
    expect(b!.document.spec.checks).toEqual([{ check: 'etcd-health' }]);
    expect(minimal!.document.spec.backup).toEqual({ strategy: 'resource-export' });
    expect(drill.scenarios.every((s) => s.drill === fixture('valid-drill.yaml'))).toBe(true);
    expect(a!.dir).toBe(path.join(CORPUS, 'parts'));
  });

  it('hashes the merged document, so other defaults give another hash', async () => {
    const one = await loadDrill(fixture('valid-drill.yaml'), testCatalog());
    const direct = await loadScenario(fixture('valid-minimal.yaml'), testCatalog());
    const viaDrill = one.scenarios.find((s) => s.file === direct.file)!;
    expect(viaDrill.hash).not.toBe(direct.hash);
    expect(viaDrill.hash).toBe(contentHash(viaDrill.document));
  });
});

describe('loadDocuments', () => {
  it('detects each kind and returns drills and every scenario', async () => {
    const loaded = await loadDocuments([fixture('valid-minimal.yaml'), fixture('valid-drill.yaml'), fixture('valid-minimal.yaml')], testCatalog());
    expect(loaded.drills.map((d) => d.document.metadata.name)).toEqual(['nightly']);
    expect(loaded.scenarios.map((s) => s.document.metadata.name)).toEqual(['minimal', 'drill-a', 'drill-b', 'minimal']);
  });

  it('reports the problems of every file in one error, one line each', async () => {
    const error = (await rejection(loadDocuments([fixture('invalid-kind.yaml'), fixture('invalid-unknown-check.yaml')], testCatalog()))) as ScenarioValidationError;
    expect(error.code).toBe('E_SCENARIO_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.problems).toHaveLength(2);
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^test\/fixtures\/scenarios\/invalid-kind\.yaml:4:7 kind: unknown kind "Senario" \(hint: did you mean "Scenario"\? allowed: Drill, Scenario\)$/);
    expect(lines[1]).toMatch(/invalid-unknown-check\.yaml:14:14 spec\.checks\[2\]\.check: unknown check "stat-diff" \(hint: did you mean "state-diff"\?/);
  });

  it('names every missing file before validating the others', async () => {
    const error = await rejection(loadDocuments([path.join(dir, 'a.yaml'), fixture('invalid-kind.yaml'), path.join(dir, 'b.yaml')], testCatalog()));
    expect(error.code).toBe('E_SCENARIO_NOT_FOUND');
    expect(error.message.split('\n')).toHaveLength(2);
    expect(error.message).toContain('a.yaml not found');
    expect(error.message).toContain('b.yaml not found');
  });

  it('rejects a directory with a hint', async () => {
    const error = await rejection(loadDocuments([dir], testCatalog()));
    expect(error.code).toBe('E_SCENARIO_NOT_FOUND');
    expect(error.message).toContain('is a directory');
    expect(error.hint).toContain('*.yaml');
  });
});
