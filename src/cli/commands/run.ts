import { appendFileSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { createLogger } from '../../core/logger.js';
import type { CliEnv, CommandModule, GlobalOptions } from '../main.js';
import { createProgress } from '../progress.js';
import { createJsonProgress } from '../progress-json.js';
import { positiveInt } from '../parse.js';
import { onCleanup, onInterrupt } from '../../core/cleanup.js';
import { KdrillError } from '../../core/errors.js';
import { plural } from '../../core/plural.js';
import { newRunId, runDrill } from '../../engine/run-drill.js';
import { statusMark } from '../progress.js';
import { prepareRunOutputs, type RunOutputFlags } from './run-outputs.js';

interface RunOptions extends RunOutputFlags {
  output?: string;
  provider?: string;
  keep?: boolean;
  failFast?: boolean;
  concurrency?: number;
  shard?: string;
  allowSkipped?: boolean;
}

/** How long an interrupted run may take to tear down and write its report before kdrill exits anyway. */
const REPORT_GRACE_MS = 60_000;

/** `kdrill run <scenario-or-drill...>`: the drill itself. */
export const runCommand: CommandModule = {
  register(program: Command, env: CliEnv) {
    program
      .command('run')
      .description('run scenarios or drills: back up, break, restore, verify, and write reports')
      .argument('<files...>', 'Scenario or Drill YAML files')
      .option('-o, --output <dir>', 'report folder (default: reports/<run id>/)')
      .option('--provider <id>', 'run every scenario on this cluster provider instead of its own')
      .option('--keep', 'leave the clusters running afterwards and print how to reach them')
      .option('--fail-fast', 'stop starting scenarios after the first one that does not pass')
      .option('--concurrency <n>', 'scenarios run at once', positiveInt(1, 16))
      .option('--shard <i/n>', 'run only shard i of n (CI parallel jobs)')
      .option('--allow-skipped', 'a skipped check (e.g. no etcd access) does not fail its scenario (default: only checks marked optional)')
      .option('--sign <key>', 'write a signed evidence.json with this Ed25519 private key (kdrill keys create --signing)')
      .option('--metrics-file <file>', "write Prometheus gauges for node-exporter's textfile collector (atomically)")
      .option('--pushgateway <url>', 'push Prometheus gauges to this Pushgateway (job kdrill, one group per scenario)')
      .addHelpText('after', [
        '',
        'Exit codes: 0 every scenario passed, 1 a check failed, a required check was skipped or an objective was missed, 2 invalid input or setup error.',
        '',
        'Examples:',
        '  kdrill run drills/smoke.yaml',
        '  kdrill run scenarios/secret-wipe.yaml --keep',
        '  kdrill run drills/nightly.yaml --shard 2/4 --output reports/nightly-2',
        '  kdrill run drills/nightly.yaml --sign ~/.config/kdrill/signing.key --metrics-file /var/lib/node_exporter/textfile/kdrill.prom',
      ].join('\n'))
      .action(async (files: string[], opts: RunOptions, cmd: Command) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const outputs = await prepareRunOutputs(opts);
        const runId = newRunId();
        const outDir = resolve(opts.output ?? join('reports', runId));
        mkdirSync(outDir, { recursive: true });
        const logFile = join(outDir, 'kdrill.log');
        const interactive = Boolean(process.stderr.isTTY) && !process.env.CI && !globals.json;
        const logger = createLogger({
          format: globals.json ? 'json' : 'human',
          level: globals.verbose ? 'debug' : 'info',
          // Every line goes to the run's log file; on a live terminal the task list replaces them on screen.
          write: (line) => {
            appendFileSync(logFile, line + '\n');
            if (!interactive) process.stderr.write(line + '\n');
          },
        });
        const progress = globals.json ? createJsonProgress(logger) : createProgress();
        // Ctrl-C: stop the engine first (no new phase, no heal restarting what cleanup is stopping), so the report
        // names the interruption rather than what stopping the clusters broke; then let it tear down and report.
        const abort = new AbortController();
        const stopOnInterrupt = onInterrupt((signal) => abort.abort(new KdrillError('E_ABORTED', `interrupted by ${signal}`)));
        const drill = runDrill({ files, outDir, logger, progress, signal: abort.signal, argv: process.argv.slice(2), ...pick(opts) }, runId);
        const awaitReport = onCleanup(() => Promise.race([drill.then(() => undefined, () => undefined), new Promise<void>((r) => setTimeout(r, REPORT_GRACE_MS).unref())]));
        const outcome = await drill.finally(() => {
          stopOnInterrupt();
          awaitReport();
          progress.close();
        });
        for (const s of outcome.results.scenarios) {
          const failed = s.checks.filter((c) => !c.asExpected && c.status !== 'skipped').map((c) => c.name);
          const missed = s.objectives.filter((x) => !x.passed).map((x) => x.name.toUpperCase());
          const skipped = s.checks.filter((c) => !c.asExpected && c.status === 'skipped').map((c) => c.name);
          const reasons = [...failed, ...missed, ...(skipped.length ? [`passed with ${plural(skipped.length, 'check')} skipped: ${skipped.join(', ')}`] : [])];
          const why = s.error ? ` — ${s.error.code}: ${s.error.message.split('\n')[0]}` : reasons.length ? ` — ${reasons.join(', ')}` : '';
          env.stdout(`${statusMark(s.verdict)} ${s.name} ${s.verdict}${why}`);
        }
        for (const kept of outcome.results.scenarios.flatMap((s) => s.keptClusters ?? [])) {
          env.stdout(`kept ${kept.name}: kubectl --kubeconfig ${kept.kubeconfig} get ns   (stop: kdrill cluster down ${kept.name})`);
        }
        const published = await outputs.finish(outcome, logger);
        const extra = published.files.map((f) => `, ${relative(outDir, f)}`).join('');
        env.stdout(`\nreports: ${relative(process.cwd(), outDir) || '.'}/ (report.md, junit.xml, results.json, audit.jsonl, kdrill.log${extra})`);
        process.exitCode = published.exitCode;
      });
  },
};

function pick(o: RunOptions) {
  return {
    ...(o.keep ? { keep: true } : {}),
    ...(o.failFast ? { failFast: true } : {}),
    ...(o.provider ? { providerOverride: o.provider } : {}),
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.shard ? { shard: o.shard } : {}),
    ...(o.allowSkipped ? { allowSkipped: true } : {}),
  };
}
