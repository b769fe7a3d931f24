import { execa, type Result } from 'execa';
import { KdrillError } from '../core/errors.js';
import { killOnExit } from '../core/cleanup.js';
import { redact } from '../core/redact.js';
import type { ChaosStep, DrillContext } from '../contracts/types.js';
import { buildInvocation, ExecOptions, lastLines, type Invocation } from './exec-invocation.js';
import { assertDestructiveAllowed } from '../contracts/guard.js';
import { durationMs, parseStepOptions } from './options.js';

const ID = 'exec';
const KILL_GRACE_MS = 5_000;

/** Runs a user's command or zx script against the cluster under test (KUBECONFIG and KDRILL_RUN_ID set); non-zero exit fails the step. */
export const execStep: ChaosStep = {
  id: ID,
  description: 'Run your own command (argv or shell string) or zx script with KUBECONFIG pointing at the cluster under test',
  optionsSchema: ExecOptions,
  // A user's command can do anything to the cluster it is pointed at.
  destructive: true,
  async run(ctx, raw) {
    assertDestructiveAllowed(ctx, ID);
    return runUserCommand(ctx, raw);
  },
};

/**
 * Runs a user's command or zx script (exec options) with KUBECONFIG of the cluster under test and `extraEnv`;
 * a non-zero exit or a timeout throws E_COMMAND with the command, exit code and redacted last stderr lines.
 * Shared by the exec chaos step and the `command` backup strategy.
 */
export async function runUserCommand(ctx: DrillContext, raw: Record<string, unknown>, extraEnv: Record<string, string> = {}): Promise<string> {
  const o = parseStepOptions(ID, ExecOptions, raw);
  const invocation = buildInvocation(o, ctx.scenarioDir);
  const timeoutMs = durationMs(o.timeout ?? '5m');
  const { result, timedOut } = await runGrouped(ctx, invocation, { ...(o.env ?? {}), ...extraEnv }, timeoutMs);
  if (result.stdout) ctx.logger.debug(`exec stdout`, { command: invocation.display, stdout: lastLines(String(result.stdout), 20).join('\n') });
  if (timedOut || result.failed) throw failure(invocation, result, timedOut ? o.timeout ?? '5m' : undefined, ctx.cluster.kubeconfigPath);
  const tail = lastLines(String(result.stdout ?? ''), 1)[0];
  return redact(`\`${invocation.display}\` exited 0 after ${(result.durationMs / 1000).toFixed(1)}s${tail ? `: ${tail.slice(0, 120)}` : ''}`);
}

/** Runs the invocation in its own process group, so a timeout or abort kills everything it started, not just the shell. */
async function runGrouped(ctx: DrillContext, inv: Invocation, env: Record<string, string>, timeoutMs: number): Promise<{ result: Result; timedOut: boolean }> {
  const child = execa(inv.file, inv.args, {
    shell: inv.shell,
    cwd: inv.cwd,
    env: { ...env, KUBECONFIG: ctx.cluster.kubeconfigPath, KDRILL_RUN_ID: ctx.runId, KDRILL_SCENARIO_DIR: ctx.scenarioDir },
    stdin: 'ignore',
    reject: false,
    detached: true,
    maxBuffer: 16 * 1024 * 1024,
  });
  const pid = child.pid;
  const forget = pid === undefined ? () => {} : killOnExit(pid);
  let timedOut = false;
  const killGroup = (signal: NodeJS.Signals) => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  const stop = () => {
    killGroup('SIGTERM');
    setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, timeoutMs);
  ctx.signal.addEventListener('abort', stop, { once: true });
  try {
    return { result: await child, timedOut };
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', stop);
    forget();
  }
}

function failure(inv: Invocation, result: Result, timeout: string | undefined, kubeconfig: string): KdrillError {
  const stderr = lastLines(String(result.stderr ?? ''), 10);
  const tail = stderr.length ? `; last stderr lines:\n${stderr.map((l) => `  ${l}`).join('\n')}` : '; no stderr output';
  const how =
    timeout !== undefined
      ? `timed out after ${timeout} and was killed`
      : result.exitCode !== undefined
        ? `exited with code ${result.exitCode}`
        : result.signal
          ? `was killed by ${result.signal}`
          : `could not start (${result.originalMessage ?? result.shortMessage})`;
  return new KdrillError(timeout !== undefined ? 'E_TIMEOUT' : 'E_COMMAND', redact(`chaos step ${ID}: \`${inv.display}\` ${how}${tail}`), {
    hint: timeout !== undefined ? 'raise the step\'s timeout option, or make the command finish sooner' : `run it by hand in ${inv.cwd} with KUBECONFIG=${kubeconfig} to see the full output`,
    details: { command: redact(inv.display), exitCode: result.exitCode, signal: result.signal, timedOut: timeout !== undefined },
  });
}
