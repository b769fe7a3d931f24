import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../checks/registry.js';
import { STRATEGIES } from '../strategies/registry.js';

// `command` runs the user's own tool: it has no built-in scenario. `velero` drives an external tool whose binaries
// may be absent: its scenarios run in drills/velero.yaml, not in nightly or pre-release.
const EXTERNAL_TOOLS = ['command', 'velero'];
const BUILT_IN_STRATEGIES = Object.keys(STRATEGIES).filter((id) => !EXTERNAL_TOOLS.includes(id));
import { defaultCatalog } from './catalog.js';
import { loadDocuments, type LoadedDocuments, type LoadedScenario } from './loader.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const yamlFiles = (dir: string) =>
  readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => path.join(ROOT, dir, f));
const scenarioFiles = yamlFiles('scenarios');
const drillFiles = yamlFiles('drills');

const load = (files: string[]): Promise<LoadedDocuments> => loadDocuments(files, defaultCatalog());
const names = (list: LoadedScenario[]) => list.map((s) => s.document.metadata.name).sort();
const expectedVerdict = (s: LoadedScenario) => s.document.metadata.labels?.['kdrill.dev/expected-verdict'];
const drill = async (name: string) => (await load([path.join(ROOT, 'drills', `${name}.yaml`)])).drills[0]!;

/** The comment lines before the first YAML line of a file. */
function header(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const end = lines.findIndex((l) => !l.startsWith('#'));
  return lines.slice(0, end);
}

describe('built-in scenario library', () => {
  it('has the scenarios the README promises', () => {
    expect(scenarioFiles.map((f) => path.basename(f, '.yaml'))).toEqual([
      'controller-upgrade-drift',
      'crd-registry-loss',
      'etcd-corruption',
      'etcd-member-replace',
      'etcd-quorum-loss',
      'etcd-restore-one-member',
      'fresh-cluster-api-export',
      'full-cluster-loss',
      'kek-rotation',
      'namespace-deletion',
      'partial-outage',
      'rbac-hidden-grant',
      'rbac-tamper',
      'restore-interrupted',
      'secret-wipe',
      'velero-excluded-secrets',
      'velero-namespace-loss',
    ]);
  });

  it('validates every scenario and drill against the real plugin catalog', async () => {
    const loaded = await load([...scenarioFiles, ...drillFiles]);
    expect(loaded.drills.map((d) => d.document.metadata.name).sort()).toEqual(['nightly', 'pre-release', 'proofs', 'smoke', 'velero']);
    expect(new Set(loaded.scenarios.map((s) => s.file)).size).toBe(scenarioFiles.length);
  });

  it.each(scenarioFiles)('%s opens with a header: the disaster it rehearses and what it proves', (file) => {
    const lines = header(file);
    expect(lines[0]).toBe('# yaml-language-server: $schema=../schema/scenario.schema.json');
    expect(lines.filter((l) => l.startsWith('# Disaster rehearsed: '))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('# What it proves: '))).toHaveLength(1);
    expect(lines.join(' ').length).toBeGreaterThan(250);
  });

  it.each(scenarioFiles)('%s is named after its file, declares its expected verdict and uses existing fixture sets', async (file) => {
    const scenario = (await load([file])).scenarios[0]!;
    expect(scenario.document.metadata.name).toBe(path.basename(file, '.yaml'));
    expect(['passed', 'failed']).toContain(expectedVerdict(scenario));
    expect(scenario.document.metadata.description?.length).toBeGreaterThan(20);
    for (const set of scenario.document.spec.fixtures?.sets ?? []) expect(existsSync(path.join(ROOT, 'scenarios', 'fixtures', set)), set).toBe(true);
    expect(scenario.document.spec.cluster?.provider).toBe('local');
  });

  it('gives every scenario expected to pass a recovery time and point objective', async () => {
    const { scenarios } = await load(scenarioFiles);
    for (const s of scenarios.filter((x) => expectedVerdict(x) === 'passed')) {
      expect(s.document.spec.objectives, s.document.metadata.name).toMatchObject({ rto: expect.any(String), rpo: expect.any(String) });
    }
  });

  it('names the failing check of each must-fail scenario, and that check is in it', async () => {
    const failing = (await load(scenarioFiles)).scenarios.filter((s) => expectedVerdict(s) === 'failed');
    expect(names(failing)).toEqual(['controller-upgrade-drift', 'etcd-restore-one-member', 'rbac-hidden-grant']);
    for (const s of failing) {
      const check = s.document.metadata.labels?.['kdrill.dev/expected-failing-check'];
      expect(s.document.spec.checks.map((c) => c.check)).toContain(check);
    }
  });

  it('exercises every built-in strategy; those that can restore into a fresh cluster in three scenarios, one of them fresh', async () => {
    const { scenarios } = await load(scenarioFiles);
    const fresh = (s: LoadedScenario) => s.document.spec.restore?.target === 'fresh' || (s.document.spec.chaos ?? []).some((c) => c.step === 'wipe-cluster');
    for (const strategy of BUILT_IN_STRATEGIES) {
      const using = scenarios.filter((s) => s.document.spec.backup.strategy === strategy);
      expect(using.length, strategy).toBeGreaterThanOrEqual(1);
      if (!STRATEGIES[strategy]!.targets.includes('fresh')) continue;
      expect(using.length, strategy).toBeGreaterThanOrEqual(3);
      expect(using.some(fresh), strategy).toBe(true);
    }
  });
});

describe('built-in drills', () => {
  it('smoke runs one fast scenario', async () => {
    expect(names((await drill('smoke')).scenarios)).toEqual(['secret-wipe']);
  });

  it('nightly runs every scenario expected to pass (velero: those that need Velero too), proofs every one expected to fail', async () => {
    const { scenarios } = await load(scenarioFiles);
    const nightly = await drill('nightly');
    const needsVelero = (s: LoadedScenario) => s.document.metadata.labels?.['kdrill.dev/needs'] === 'velero';
    expect(names(nightly.scenarios)).toEqual(names(scenarios.filter((s) => expectedVerdict(s) === 'passed')));
    expect(names((await drill('velero')).scenarios)).toEqual(names(scenarios.filter(needsVelero)));
    expect(names((await drill('proofs')).scenarios)).toEqual(names(scenarios.filter((s) => expectedVerdict(s) === 'failed')));
    expect(nightly.document.spec.concurrency).toBe(2);
  });

  it('pre-release restores into a fresh cluster with every strategy that can, and every registered check', async () => {
    const scenarios = (await drill('pre-release')).scenarios;
    expect(new Set(scenarios.map((s) => s.document.spec.backup.strategy))).toEqual(new Set(BUILT_IN_STRATEGIES.filter((id) => STRATEGIES[id]!.targets.includes('fresh'))));
    for (const s of scenarios) {
      expect(s.document.spec.restore?.target, s.document.metadata.name).toBe('fresh');
      expect(s.document.spec.checks.map((c) => c.check).sort(), s.document.metadata.name).toEqual(Object.keys(CHECKS).sort());
      expect(s.document.spec.checks.every((c) => (c.expect ?? 'pass') === 'pass')).toBe(true);
    }
  });
});
