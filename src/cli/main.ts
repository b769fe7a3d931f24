import { Command, CommanderError } from 'commander';
import { describeError, isKdrillError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import { COMMANDS, commandName } from './commands/index.js';
import { KDRILL_VERSION } from '../core/version.js';
import { boundHeapGrowth } from '../core/heap.js';

/** Options every command sees. */
export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
}

/** What a command module gets: the program to attach to and a way to build a logger from global flags. */
export interface CliEnv {
  logger(program: Command): Logger;
  /** Standard output for results (logs and progress go to stderr). */
  stdout: (text: string) => void;
}

export interface CommandModule {
  register(program: Command, env: CliEnv): void;
}

/** Runs the CLI and resolves to the exit code: 0 success, 1 drill/check failure, 2 invalid input or setup error. */
export async function main(argv: string[]): Promise<number> {
  boundHeapGrowth();
  const program = new Command('kdrill')
    .description('Chaos-style restore drills for Kubernetes: back up, break, restore, prove, report.')
    .version(KDRILL_VERSION)
    .option('--json', 'log JSON lines instead of human-readable lines')
    .option('-v, --verbose', 'debug logs and stack traces')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const env: CliEnv = {
    logger: (p) => {
      const opts = p.optsWithGlobals<GlobalOptions>();
      return createLogger({ format: opts.json ? 'json' : 'human', level: opts.verbose ? 'debug' : 'info' });
    },
    stdout: (text) => process.stdout.write(redact(text.endsWith('\n') ? text : text + '\n')),
  };
  try {
    await registerCommands(program, env, argv);
    program.commands.forEach((c) => c.exitOverride());
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error, argv.includes('-v') || argv.includes('--verbose'));
  }
}

/**
 * Registers the command being run from its module and every other one as a name + description stub (enough for
 * `--help`, `--version` and commander's "did you mean"), so a start only loads what the command uses.
 */
async function registerCommands(program: Command, env: CliEnv, argv: readonly string[]): Promise<void> {
  const wanted = requestedCommand(argv);
  const entry = COMMANDS.find((c) => commandName(c) === wanted);
  if (entry) (await entry.load()).register(program, env);
  for (const c of COMMANDS) {
    if (!program.commands.some((p) => p.name() === commandName(c))) program.command(c.command).description(c.describe);
  }
}

/** The first operand is the command (the global options take no values); `help X` asks for X. */
export function requestedCommand(argv: readonly string[]): string | undefined {
  const operands = argv.filter((a) => !a.startsWith('-'));
  return operands[0] === 'help' ? operands[1] : operands[0];
}

function reportError(error: unknown, verbose: boolean): number {
  if (error instanceof CommanderError) {
    // --help and --version end here with exit code 0; usage errors with 1, which kdrill maps to 2 (invalid input).
    return error.exitCode === 0 ? 0 : 2;
  }
  const code = isKdrillError(error) ? `${error.code}: ` : 'internal error: ';
  process.stderr.write(redact(`kdrill: ${code}${describeError(error)}\n`));
  if (verbose && error instanceof Error && error.stack) process.stderr.write(redact(error.stack) + '\n');
  return isKdrillError(error) ? error.exitCode : 2;
}
