import { execa } from 'execa';
import { KdrillError } from '../core/errors.js';
import { redact } from '../core/redact.js';

/** One external command as data: built by pure functions, run by `runCommand`, asserted on in unit tests. */
export interface Command {
  file: string;
  args: string[];
}

export interface RunOptions {
  /** Text written to the command's stdin. */
  input?: string;
  /** Kill the command after this long (default 5 minutes). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** What to tell the user when the command fails. */
  hint?: string;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** Run a command; on failure throw E_COMMAND carrying the argv, exit code and the last lines of stderr. */
export async function runCommand(command: Command, options: RunOptions = {}): Promise<CommandResult> {
  const result = await execute(command, options);
  if (!result.failed) return { stdout: result.stdout, stderr: result.stderr };
  throw commandError(command, {
    exitCode: result.exitCode,
    errorCode: result.code,
    timedOut: result.timedOut,
    stderr: result.stderr || result.stdout,
    ...(options.hint ? { hint: options.hint } : {}),
  });
}

/** Like runCommand but never throws: `ok` tells whether the command exited 0. */
export async function tryCommand(command: Command, options: Omit<RunOptions, 'hint'> = {}): Promise<CommandResult & { ok: boolean }> {
  const result = await execute(command, options);
  return { ok: !result.failed, stdout: result.stdout, stderr: result.stderr };
}

function execute(command: Command, options: RunOptions) {
  return execa(command.file, command.args, {
    reject: false,
    timeout: options.timeoutMs ?? 300_000,
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
}

interface Failure {
  exitCode: number | undefined;
  errorCode: string | undefined;
  timedOut: boolean;
  stderr: string;
  hint?: string;
}

/** The E_COMMAND error for a failed command (exported for tests). */
export function commandError(command: Command, failure: Failure): KdrillError {
  const argv = [command.file, ...command.args].join(' ');
  const why = failure.errorCode === 'ENOENT'
    ? `${command.file} is not on PATH`
    : failure.timedOut
      ? 'timed out'
      : `exit code ${failure.exitCode ?? 'unknown'}`;
  const tail = lastLines(failure.stderr, 5);
  return new KdrillError('E_COMMAND', redact(`${argv}: ${why}${tail ? `\n${tail}` : ''}`), {
    hint: failure.hint ?? (failure.errorCode === 'ENOENT' ? `install ${command.file} and make sure it is on PATH` : 'see the command output above'),
    details: { argv: redact(argv), exitCode: failure.exitCode, timedOut: failure.timedOut },
  });
}

/** The last `count` non-empty lines of `text`, each trimmed to 300 characters. */
export function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .slice(-count)
    .map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line))
    .join('\n');
}
