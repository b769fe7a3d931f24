import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { KdrillError, isKdrillError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { redact } from '../../core/redact.js';
import type { EtcdAccess } from '../../providers/types.js';
import { resolveBinaries } from '../../providers/local/binaries.js';

/** Paths of the etcd command-line tools. */
export interface EtcdTools {
  etcdctl: string;
  etcdutl: string;
}

const TOOLS_FACT = 'kdrill.etcd.tools';

/** etcdctl and etcdutl from resolveBinaries (never building), else from PATH alone; cached in `facts` for the run. */
export async function etcdTools(ctx: { facts: Map<string, unknown>; logger: Logger }): Promise<EtcdTools> {
  const cached = ctx.facts.get(TOOLS_FACT) as EtcdTools | undefined;
  if (cached) return cached;
  const tools = await resolveBinaries({ logger: ctx.logger, build: false })
    .then((set) => ({ etcdctl: set.paths.etcdctl, etcdutl: set.paths.etcdutl }))
    // resolveBinaries wants the whole control plane; a machine with only the etcd tools on PATH is enough here.
    .catch((error: unknown) => fromPath() ?? Promise.reject(toolsMissing(error)));
  ctx.facts.set(TOOLS_FACT, tools);
  return tools;
}

function fromPath(): EtcdTools | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const find = (name: string) => dirs.map((d) => join(d, name)).find(isExecutable);
  const etcdctl = find('etcdctl');
  const etcdutl = find('etcdutl');
  return etcdctl && etcdutl ? { etcdctl, etcdutl } : undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function toolsMissing(cause: unknown): KdrillError {
  return new KdrillError('E_BINARY_MISSING', 'etcdctl and etcdutl were not found', {
    hint: 'put etcdctl and etcdutl (etcd >= 3.6) on PATH or in KDRILL_BIN_DIR, or run `kdrill cluster build`',
    cause: isKdrillError(cause) ? cause : undefined,
  });
}

/** Options of one etcdctl call. */
export interface EtcdctlOptions {
  /** Override the access's endpoints (snapshot save takes exactly one). */
  endpoints?: string[];
  timeoutMs?: number;
}

/** Runs etcdctl against `access` with its client TLS files; never throws on a non-zero exit. */
export async function execEtcdctl(tools: EtcdTools, access: EtcdAccess, args: string[], options: EtcdctlOptions = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const endpoints = options.endpoints ?? access.endpoints;
  const argv = [
    `--endpoints=${endpoints.join(',')}`, `--cacert=${access.caFile}`, `--cert=${access.certFile}`, `--key=${access.keyFile}`,
    '--dial-timeout=5s', '--command-timeout=60s', ...args,
  ];
  const result = await execa(tools.etcdctl, argv, { reject: false, timeout: options.timeoutMs ?? 120_000, maxBuffer: 512 * 1024 * 1024, env: { ETCDCTL_API: '3' } });
  const failed = result.failed && result.exitCode === undefined;
  return { exitCode: failed ? -1 : (result.exitCode ?? -1), stdout: String(result.stdout ?? ''), stderr: String(result.stderr || (failed ? result.message : '') || '') };
}

/** Like execEtcdctl, but returns stdout and throws E_COMMAND naming the command and stderr's gist on failure. */
export async function runEtcdctl(tools: EtcdTools, access: EtcdAccess, args: string[], options: EtcdctlOptions = {}): Promise<string> {
  const result = await execEtcdctl(tools, access, args, options);
  if (result.exitCode !== 0) {
    const endpoints = options.endpoints ?? access.endpoints;
    throw new KdrillError('E_COMMAND', `etcdctl ${args.slice(0, 2).join(' ')} against ${endpoints.join(',')} failed (exit ${result.exitCode}): ${tail(result.stderr)}`, {
      hint: 'check that etcd is running and that the client certificate in the cluster description is valid',
    });
  }
  return result.stdout;
}

/** The line of a command's stderr that explains a failure (`Error:`, `panic:`), else its last lines; redacted. */
export function tail(text: string, lines = 3): string {
  const all = text.trim().split('\n');
  const reason = all.find((line) => /^(Error|panic|fatal error)\b/.test(line));
  return redact((reason ?? all.slice(-lines).join(' ')).slice(0, 600));
}
