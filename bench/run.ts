/**
 * Benchmark runner: `npm run bench -- [cluster|strategies|cli|drill|velero|writes|all] [options]`. Prints tables on stdout, progress on
 * stderr, and writes bench/results/<suite>-<timestamp>.json. Every cluster is destroyed, also on failure or Ctrl-C.
 */
import os from 'node:os';
import { describeError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import { boundHeapGrowth } from '../src/core/heap.js';
import { parseBenchArgs, type BenchArgs, type SuiteName } from './args.js';
import { runCliBench } from './cli.js';
import { runDrillBench } from './drill.js';
import { runVeleroBench } from './velero.js';
import { runWritesBench } from './writes.js';
import { runClusterBench } from './cluster.js';
import { describeMachine, machineFacts } from './machine.js';
import { writeResultFile, type ResultFile, type SuiteOutput } from './results.js';
import { runStrategiesBench } from './strategies.js';
import { formatTable } from './table.js';

const SUITE_RUNNERS: Record<SuiteName, (args: BenchArgs) => Promise<SuiteOutput>> = {
  cluster: (args) => runClusterBench({ runs: args.runs, idleSeconds: args.idleSeconds, etcdMembers: args.etcdMembers }),
  strategies: (args) => runStrategiesBench({ sizes: args.sizes, parallelism: args.parallelism, fsync: args.fsync }),
  cli: (args) => runCliBench({ runs: args.runs }),
  drill: (args) => runDrillBench({ sizes: args.sizes }),
  velero: (args) => runVeleroBench({ sizes: args.sizes }),
  writes: (args) => runWritesBench({ sizes: args.sizes, parallelism: args.parallelism }),
};

async function runSuite(suite: SuiteName, args: BenchArgs, argv: string[]): Promise<void> {
  const machine = await machineFacts(createLogger({ level: 'warn' }));
  process.stderr.write(`bench ${suite}: ${describeMachine(machine)}\n`);
  if (machine.loadAverage[0]! > machine.cores) {
    process.stderr.write(`bench ${suite}: WARNING load ${machine.loadAverage[0]} is above ${machine.cores} cores: figures will be low\n`);
  }
  const startedAt = new Date().toISOString();
  const output = await SUITE_RUNNERS[suite](args);
  const result: ResultFile = { formatVersion: 1, suite, startedAt, finishedAt: new Date().toISOString(), argv, machine, loadAverageAfter: os.loadavg(), ...output };
  const path = await writeResultFile(result);
  const text = [
    `== ${suite} (${startedAt.slice(0, 16).replace('T', ' ')} UTC) ${describeMachine(machine)}`,
    ...output.tables.map(formatTable),
    [...output.notes.map((n) => `note: ${n}`), `results: ${path}`].join('\n'),
  ];
  process.stdout.write(text.join('\n\n') + '\n\n');
}

async function main(): Promise<void> {
  // The suites run kdrill in this process: bound its heap growth as the CLI does (cli/main.ts), so figures are the CLI's.
  boundHeapGrowth();
  const argv = process.argv.slice(2);
  const args = parseBenchArgs(argv);
  for (const suite of args.suites) await runSuite(suite, args, argv);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${describeError(error)}\n`);
  process.exitCode = 2;
});
