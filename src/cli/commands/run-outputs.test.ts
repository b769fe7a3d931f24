import { appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { verifyEvidence } from '../../audit/evidence.js';
import { writeFinishedRun } from '../../audit/fixtures/finished-run.js';
import { createSigningKey, readPublicKey } from '../../audit/signing-key.js';
import { prepareRunOutputs } from './run-outputs.js';

let dir: string;
let logs: string[];
let server: Server | undefined;
const logger = () => createLogger({ write: (line) => logs.push(line) });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-run-outputs-'));
  logs = [];
});
afterEach(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function outcome(exitCode: 0 | 1) {
  const outDir = join(dir, 'run');
  const results = await writeFinishedRun(outDir);
  return { results, outDir, files: [], exitCode };
}

/** An HTTP server that answers every request with `status`. */
async function gatewayAnswering(status: number): Promise<string> {
  server = createServer((_req, res) => res.writeHead(status).end('nope'));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('kdrill run --sign / --metrics-file / --pushgateway', () => {
  it('checks every flag before the drill: a shared key, a missing folder, an unparsable file, a bad URL (all exit 2)', async () => {
    const key = (await createSigningKey(join(dir, 'signing.key'))).privatePath;
    await chmod(key, 0o644);
    await expect(prepareRunOutputs({ sign: key })).rejects.toMatchObject({ code: 'E_KEY', exitCode: 2 });
    await expect(prepareRunOutputs({ metricsFile: join(dir, 'nope', 'k.prom') })).rejects.toMatchObject({ code: 'E_METRICS', message: expect.stringContaining('does not exist') });
    await writeFile(join(dir, 'bad.prom'), 'x{ 1\n');
    await expect(prepareRunOutputs({ metricsFile: join(dir, 'bad.prom') })).rejects.toMatchObject({ code: 'E_METRICS', message: expect.stringContaining('line 1') });
    await expect(prepareRunOutputs({ pushgateway: 'ftp://gw' })).rejects.toMatchObject({ code: 'E_METRICS' });
  });

  it('writes the metrics, then the evidence last (it covers the log lines the metrics step wrote)', async () => {
    const made = await createSigningKey(join(dir, 'signing.key'));
    const metricsFile = join(dir, 'kdrill.prom');
    const outputs = await prepareRunOutputs({ sign: made.privatePath, metricsFile });
    const run = await outcome(1);
    const log = join(run.outDir, 'kdrill.log');
    // As in `kdrill run`: every log line is appended to the run's kdrill.log synchronously.
    const published = await outputs.finish(run, createLogger({ write: (line) => appendFileSync(log, line + '\n') }));
    expect(published).toEqual({ exitCode: 1, files: [join(run.outDir, 'evidence.json')] });
    expect(await readFile(log, 'utf8')).toContain(`metrics written to ${metricsFile}`);
    expect(await readFile(metricsFile, 'utf8')).toContain('kdrill_drill_verdict{scenario="secret-wipe",verdict="failed"} 1');
    expect((await verifyEvidence(run.outDir, await readPublicKey(made.publicPath))).ok).toBe(true);
  });

  it('a push that fails is logged; a passed run then exits 2, a failed one keeps 1', async () => {
    const url = await gatewayAnswering(503);
    for (const [drill, expected] of [[0, 2], [1, 1]] as const) {
      const published = await (await prepareRunOutputs({ pushgateway: url })).finish(await outcome(drill), logger());
      expect(published.exitCode).toBe(expected);
    }
    expect(logs.join('\n')).toContain('pushing metrics failed: Pushgateway');
  });
});
