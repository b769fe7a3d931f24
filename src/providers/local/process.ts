import { sleep } from '../../core/sleep.js';
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { killOnExit } from '../../core/cleanup.js';

/** A child process started in its own process group, logging to a file. */
export interface ManagedProcess {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  readonly hasExited: () => boolean;
  /** Stop killing this process when kdrill exits (clusters started by `kdrill cluster up` outlive it). */
  readonly detach: () => void;
}

/** Start `binary args` detached (own process group, so Ctrl-C in a terminal reaches kdrill first and it stops children in order). */
export function startProcess(binary: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): ManagedProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`cannot start ${binary}`);
  const pid = child.pid;
  const forget = killOnExit(pid);
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => {
      done = true;
      forget();
      resolve(code ?? (signal ? -1 : null));
    });
    child.on('error', () => {
      done = true;
      forget();
      resolve(-1);
    });
  });
  child.unref();
  return { pid, exited, hasExited: () => done, detach: forget };
}

/** True when a process with this pid exists (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM the process group, wait up to `graceMs`, then SIGKILL it. */
export async function stopProcessGroup(pid: number, graceMs = 10_000): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) {
    signalGroup(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(20);
  }
}

/** SIGKILL the process group and wait until it is gone. */
export async function killProcessGroup(pid: number): Promise<void> {
  signalGroup(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadline) await sleep(20);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** The last `lines` lines of a log file, for error messages when a component fails to start. */
export function logTail(logFile: string, lines = 20): string {
  if (!existsSync(logFile)) return '(no log)';
  return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export { sleep } from '../../core/sleep.js';
