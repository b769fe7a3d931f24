import { Command, CommanderError } from 'commander';
import { describeError, isKdrillError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import { COMMANDS } from './commands/index.js';
import { KDRILL_VERSION } from '../core/version.js';

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
  for (const command of COMMANDS) command.register(program, env);
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error, argv.includes('-v') || argv.includes('--verbose'));
  }
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
