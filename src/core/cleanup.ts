/**
 * Cleanup that must happen even on Ctrl-C or a thrown error: killing processes kdrill started and removing temp dirs.
 * Async handlers run on SIGINT/SIGTERM; `killOnExit` pids are killed synchronously on any exit.
 */
import { rmSync } from 'node:fs';

type Handler = () => Promise<void> | void;

const handlers = new Set<Handler>();
const interruptListeners = new Set<(signal: NodeJS.Signals) => void>();
const pidGroups = new Set<number>();
const dirs = new Set<string>();
let installed = false;
let exiting = false;

/** Register an async cleanup; returns a function that unregisters it. */
export function onCleanup(handler: Handler): () => void {
  install();
  handlers.add(handler);
  return () => handlers.delete(handler);
}

/**
 * Be told at once, before any cleanup runs, that a signal is stopping kdrill: the drill aborts first, so the errors
 * that tearing clusters down causes are not mistaken for the cause. Returns a function that unregisters it.
 */
export function onInterrupt(listener: (signal: NodeJS.Signals) => void): () => void {
  install();
  interruptListeners.add(listener);
  return () => interruptListeners.delete(listener);
}

/** Register a process group to SIGKILL synchronously if kdrill exits without stopping it. */
export function killOnExit(pid: number): () => void {
  install();
  pidGroups.add(pid);
  return () => pidGroups.delete(pid);
}

/** Register a temp dir to remove synchronously if kdrill exits before removing it (a crash, a closed pipe). */
export function removeOnExit(dir: string): () => void {
  install();
  dirs.add(dir);
  return () => dirs.delete(dir);
}

/** Run every registered cleanup now (used by signal handlers and tests). */
export async function runCleanups(): Promise<void> {
  const pending = [...handlers].reverse();
  handlers.clear();
  for (const handler of pending) {
    try {
      await handler();
    } catch {
      // Cleanup is best effort: one failing handler must not stop the others.
    }
  }
  killRemainingGroups();
}

function killRemainingGroups(): void {
  for (const pid of pidGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  pidGroups.clear();
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // A process just killed may still hold a file open; the next dir must still go.
    }
  }
  dirs.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killRemainingGroups);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (exiting) return;
      exiting = true;
      for (const listener of interruptListeners) {
        try {
          listener(signal);
        } catch {
          // A listener must not keep the cleanups from running.
        }
      }
      // Say something only when there is something to clean (test workers get SIGTERM at every exit).
      if (handlers.size > 0 || pidGroups.size > 0) process.stderr.write(`\nkdrill: ${signal} received, cleaning up...\n`);
      void runCleanups().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
}
