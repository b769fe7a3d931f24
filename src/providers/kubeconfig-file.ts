import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve, dirname } from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import { KdrillError } from '../core/errors.js';

/** The parts of a kubeconfig kdrill reads; everything else is kept as is. */
export interface KubeconfigDoc {
  'current-context'?: string;
  contexts?: { name: string; context?: { cluster?: string; user?: string } }[];
  clusters?: { name: string; cluster?: Record<string, unknown> }[];
  users?: { name: string; user?: Record<string, unknown> }[];
  [key: string]: unknown;
}

/** Which kubeconfig file to use: the option, else $KUBECONFIG (a single file), else ~/.kube/config. */
export function resolveKubeconfigPath(option: string | undefined, env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const expand = (p: string) => (p === '~' || p.startsWith('~/') ? join(home, p.slice(1)) : resolve(p));
  if (option) return expand(option);
  const fromEnv = env.KUBECONFIG?.split(delimiter).filter((p) => p !== '');
  if (fromEnv && fromEnv.length > 1) {
    throw new KdrillError('E_KUBECONFIG', `KUBECONFIG lists ${fromEnv.length} files (${fromEnv.join(delimiter)}); kdrill needs exactly one`, {
      hint: 'set cluster.options.path to the file that holds the target cluster (kubectl config view --raw --minify > one.yaml)',
    });
  }
  return expand(fromEnv?.[0] ?? join(home, '.kube', 'config'));
}

/** Read and parse a kubeconfig; E_KUBECONFIG naming the file for a missing file, bad YAML or a non-kubeconfig. */
export async function readKubeconfig(path: string): Promise<KubeconfigDoc> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new KdrillError('E_KUBECONFIG', missing ? `kubeconfig ${path} does not exist` : `cannot read kubeconfig ${path}: ${(error as Error).message}`, {
      hint: 'set cluster.options.path (or KUBECONFIG) to an existing kubeconfig, e.g. one written by `kind export kubeconfig` or `kubectl config view --raw`',
    });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    // Only the first line of the parser's message: the rest quotes the file, which can hold a token or a key.
    const where = error instanceof YAMLParseError ? (error.message.split('\n')[0] ?? '').replace(/:$/, '') : 'unreadable';
    throw new KdrillError('E_KUBECONFIG', `kubeconfig ${path} is not valid YAML: ${where}`, {
      hint: `fix the YAML at that line, or regenerate the file (kubectl config view --raw > ${path})`,
    });
  }
  if (!isKubeconfig(doc)) {
    throw new KdrillError('E_KUBECONFIG', `${path} is not a kubeconfig (no clusters or contexts lists)`, {
      hint: 'point cluster.options.path at a kubeconfig file (apiVersion: v1, kind: Config)',
    });
  }
  return doc;
}

/** The context to use: the option, else current-context; E_KUBECONFIG when neither names a context of the file. */
export function chooseContext(doc: KubeconfigDoc, path: string, option: string | undefined): string {
  const names = (doc.contexts ?? []).map((c) => c.name);
  const listed = names.length > 0 ? names.join(', ') : 'none';
  const wanted = option ?? doc['current-context'];
  if (!wanted) {
    throw new KdrillError('E_KUBECONFIG', `kubeconfig ${path} has no current-context`, {
      hint: `set cluster.options.context to one of: ${listed} (or run kubectl config use-context NAME)`,
    });
  }
  const context = doc.contexts?.find((c) => c.name === wanted);
  if (!context) {
    throw new KdrillError('E_KUBECONFIG', `context "${wanted}" is not in kubeconfig ${path} (it has: ${listed})`, {
      hint: option ? 'fix cluster.options.context' : 'fix current-context in the file, or set cluster.options.context',
    });
  }
  const cluster = context.context?.cluster;
  if (!cluster || !doc.clusters?.some((c) => c.name === cluster)) {
    throw new KdrillError('E_KUBECONFIG', `context "${wanted}" in kubeconfig ${path} names cluster "${cluster ?? ''}", which the file does not define`, {
      hint: 'add the cluster entry, or choose another context',
    });
  }
  return wanted;
}

/**
 * A copy of `doc` whose current-context is `context`, with relative file references resolved against the original
 * file's folder (so the copy can live elsewhere and still mean the same credentials).
 */
export function pinContext(doc: KubeconfigDoc, context: string, originalPath: string): KubeconfigDoc {
  const base = dirname(originalPath);
  const abs = (value: unknown) => (typeof value === 'string' && value !== '' && !isAbsolute(value) ? resolve(base, value) : value);
  const clusters = (doc.clusters ?? []).map((c) => ({
    ...c,
    cluster: c.cluster && { ...c.cluster, ...fileField(c.cluster, 'certificate-authority', abs) },
  }));
  const users = (doc.users ?? []).map((u) => ({ ...u, user: u.user && pinUser(u.user, abs) }));
  return { ...doc, 'current-context': context, clusters, users };
}

function pinUser(user: Record<string, unknown>, abs: (v: unknown) => unknown): Record<string, unknown> {
  const out = { ...user, ...fileField(user, 'client-certificate', abs), ...fileField(user, 'client-key', abs), ...fileField(user, 'tokenFile', abs) };
  const exec = user.exec as Record<string, unknown> | undefined;
  // client-go resolves an exec command relative to the kubeconfig only when it contains a path separator.
  if (exec && typeof exec.command === 'string' && exec.command.includes('/')) out.exec = { ...exec, command: abs(exec.command) };
  return out;
}

function fileField(obj: Record<string, unknown>, key: string, abs: (v: unknown) => unknown): Record<string, unknown> {
  return key in obj ? { [key]: abs(obj[key]) } : {};
}

function isKubeconfig(doc: unknown): doc is KubeconfigDoc {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
  const d = doc as Record<string, unknown>;
  return Array.isArray(d.clusters) || Array.isArray(d.contexts);
}
