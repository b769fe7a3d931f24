import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResults } from '../../src/contracts/types.js';
import { attachLocalCluster } from '../../src/providers/local/create.js';
import { listStates } from '../../src/providers/local/state.js';
import { testLogger } from '../support/cluster.js';

const here = import.meta.dirname;
const KDRILL = join(here, '../../bin/kdrill.js');

// Ctrl-C in the middle of a drill: the report must name the interruption, not what tearing the cluster down broke
// (a cluster that did not finish starting, a refused connection), and nothing may be left running.
describe('kdrill run interrupted by SIGINT (subprocess, local provider)', () => {
  let home: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'kdrill-interrupt-'));
  });
  afterAll(async () => {
    for (const { dir } of await listStates(join(home, 'clusters'))) await (await attachLocalCluster(dir, testLogger())).destroy();
    await rm(home, { recursive: true, force: true });
  });

  /** Run quick-pass and send SIGINT as soon as stderr shows `trigger`. */
  async function interruptWhen(trigger: RegExp, out: string) {
    const child = execa('node', [KDRILL, 'run', join(here, 'scenarios', 'quick-pass.yaml'), '--output', out], {
      env: { KDRILL_HOME: home, CI: 'true' },
      reject: false,
    });
    let seen = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (!sent && trigger.test(seen)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const result = await child;
    expect(sent, `never saw ${trigger} in:\n${seen}`).toBe(true);
    return result;
  }

  it.each([
    ['while the cluster is starting', /\[quick-pass\] provision …/, 'provision'],
    ['after the cluster is up', /\[quick-pass\] provision ✓/, undefined],
  ])('records the interruption as the cause %s, exits 130 and leaves no cluster', async (_, trigger, phase) => {
    const out = join(home, `out-${phase ?? 'later'}`);
    const result = await interruptWhen(trigger, out);
    expect(result.exitCode, result.stderr).toBe(130);
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults;
    expect(results).toMatchObject({ verdict: 'error', interrupted: 'SIGINT' });
    const [scenario] = results.scenarios;
    expect(scenario!.verdict).toBe('error');
    expect(scenario!.error).toMatchObject({ code: 'E_ABORTED', message: expect.stringMatching(/^interrupted by SIGINT during the \w+ phase/) });
    if (phase) expect(scenario!.error!.phase).toBe(phase);
    expect(scenario!.timeline.find((e) => e.phase === 'teardown' && !e.step)?.status).toBe('passed');
    const report = await readFile(join(out, 'report.md'), 'utf8');
    expect(report.split('\n')[2]).toMatch(/^❌ \*\*Interrupted\*\* by SIGINT: the run did not finish\./);
    expect(report).not.toMatch(/E_CLUSTER_START|socket hang up|ECONNREFUSED/);
    expect(await listStates(join(home, 'clusters'))).toEqual([]);
  });
});
