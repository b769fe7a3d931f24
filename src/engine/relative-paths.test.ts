import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../contracts/types.js';
import { relativeScenarioPaths } from './relative-paths.js';

const result = (fields: Partial<ScenarioResult>) => ({ name: 'x', checks: [], ...fields }) as unknown as ScenarioResult;

describe('relativeScenarioPaths', () => {
  const bases = { outDir: '/home/u/proj/reports/r1', cwd: '/home/u/proj' };

  it('makes report-folder paths relative to it and working-directory paths relative to that', () => {
    const out = relativeScenarioPaths(result({
      file: '/home/u/proj/scenarios/a.yaml',
      backup: { id: 'b', strategy: 's', store: 'local /home/u/proj/reports/r1/x/backups', sizeBytes: 1, artifacts: 1, metadata: {} },
      checks: [{ evidence: { roots: ['/home/u/proj/reports/r1/x', '/home/u/proj/reports/r1', '/home/u/project-b/y'] } }] as never,
    }), bases);
    expect(out.file).toBe('scenarios/a.yaml');
    expect(out.backup!.store).toBe('local x/backups');
    expect((out.checks[0]!.evidence as { roots: string[] }).roots).toEqual(['x', '.', '/home/u/project-b/y']);
  });

  it('leaves kept clusters\' kubeconfig paths absolute', () => {
    const out = relativeScenarioPaths(result({ file: '/home/u/proj/a.yaml', keptClusters: [{ name: 'c', kubeconfig: '/home/u/proj/k/kubeconfig' }] }), bases);
    expect(out.keptClusters).toEqual([{ name: 'c', kubeconfig: '/home/u/proj/k/kubeconfig' }]);
  });
});
