import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { KdrillError } from '../core/errors.js';

interface ServerView {
  'current-context'?: string;
  contexts?: { name?: string; context?: { cluster?: string } }[];
  clusters?: { name?: string; cluster?: { server?: string } }[];
}

/**
 * The server URL of `context` (default: current-context) in a kubeconfig file, read without client-node (which
 * KubeClient loads only for its first request). Same errors as client-node's loading: E_KUBECONFIG naming the file.
 */
export function kubeconfigServer(path: string, context?: string): string {
  let doc: ServerView;
  try {
    doc = (parse(readFileSync(path, 'utf8')) ?? {}) as ServerView;
  } catch (error) {
    throw unreadable(path, error);
  }
  const name = context ?? doc['current-context'];
  const clusterName = doc.contexts?.find((c) => c?.name === name)?.context?.cluster;
  const server = doc.clusters?.find((c) => c?.name === clusterName)?.cluster?.server;
  if (!server) {
    throw new KdrillError('E_KUBECONFIG', 'the kubeconfig has no current cluster', {
      hint: 'set current-context, or pass --context NAME',
    });
  }
  return server;
}

/** client-node's KubeConfig for `context` of a kubeconfig file (credentials, TLS, exec plugins). */
export async function loadKubeConfig(path: string, context?: string): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  if (context) kc.setCurrentContext(context);
  return kc;
}

function unreadable(path: string, error: unknown): KdrillError {
  // Only the first line: YAML parsers quote the surrounding lines, which can hold a token.
  return new KdrillError('E_KUBECONFIG', `cannot read kubeconfig ${path}: ${(error as Error).message.split('\n')[0]}`, {
    hint: 'pass a valid kubeconfig file (kubectl config view --raw > file)',
  });
}
