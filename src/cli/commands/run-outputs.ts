import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { describeError, KdrillError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { DrillRunOutcome } from '../../engine/run-drill.js';
import { writeEvidence } from '../../audit/evidence.js';
import { readSigningKey, type SigningKey } from '../../audit/signing-key.js';
import { readMetricsFile, writeMetricsFile } from '../../metrics/metrics-file.js';
import { parseGatewayUrl, pushMetrics, type Gateway } from '../../metrics/pushgateway.js';

/** `kdrill run --sign KEY --metrics-file F --pushgateway URL`: what happens after the reporters. */
export interface RunOutputFlags {
  sign?: string;
  metricsFile?: string;
  pushgateway?: string;
}

export interface RunOutputs {
  /** Publish metrics, then sign (last: nothing may touch the folder after evidence.json). Returns the exit code and files added. */
  finish(outcome: DrillRunOutcome, logger: Logger): Promise<{ exitCode: number; files: string[] }>;
}

/** Check every flag before the drill starts, so a bad key, folder or URL costs seconds, not a drill (exit 2). */
export async function prepareRunOutputs(flags: RunOutputFlags): Promise<RunOutputs> {
  const key = flags.sign ? await readSigningKey(resolve(flags.sign)) : undefined;
  const metricsFile = flags.metricsFile ? resolve(flags.metricsFile) : undefined;
  if (metricsFile) await checkMetricsFile(metricsFile);
  const gateway = flags.pushgateway ? parseGatewayUrl(flags.pushgateway) : undefined;
  return { finish: (outcome, logger) => finish(outcome, logger, { key, metricsFile, gateway }) };
}

async function finish(outcome: DrillRunOutcome, logger: Logger, o: { key?: SigningKey; metricsFile?: string; gateway?: Gateway }) {
  let exitCode: number = outcome.exitCode;
  // A metrics failure does not hide the drill's verdict: it is logged, and a passing run exits 2 (a failed one stays 1).
  const attempt = async (what: string, work: () => Promise<string>) => {
    try {
      logger.info(await work());
    } catch (error) {
      logger.error(`${what} failed: ${describeError(error)}`);
      if (exitCode === 0) exitCode = 2;
    }
  };
  if (o.metricsFile) {
    const path = o.metricsFile;
    await attempt('writing the metrics file', async () => (await writeMetricsFile(path, outcome.results), `metrics written to ${path}`));
  }
  if (o.gateway) {
    const gateway = o.gateway;
    await attempt('pushing metrics', async () => `metrics pushed: ${(await pushMetrics(gateway, outcome.results)).join(', ')}`);
  }
  const files = o.key ? [await writeEvidence(outcome.outDir, outcome.results, o.key)] : [];
  return { exitCode, files };
}

async function checkMetricsFile(path: string): Promise<void> {
  const dir = await stat(dirname(path)).catch(() => undefined);
  if (!dir?.isDirectory()) {
    throw new KdrillError('E_METRICS', `--metrics-file ${path}: folder ${dirname(path)} does not exist`, {
      hint: "point it into node-exporter's --collector.textfile.directory, e.g. /var/lib/node_exporter/textfile/kdrill.prom",
    });
  }
  await readMetricsFile(path);
}
