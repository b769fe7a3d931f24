import { KdrillError } from '../core/errors.js';
import { redact } from '../core/redact.js';

/**
 * A failed API call. Carries the HTTP status, the Status reason and the Status message, never the raw response body
 * (which can be a whole Secret).
 */
export class KubeApiError extends KdrillError {
  readonly status: number;
  readonly reason: string | undefined;
  readonly method: string;
  readonly path: string;

  constructor(method: string, path: string, status: number, reason: string | undefined, message: string) {
    super('E_KUBE_API', `${method} ${path}: ${status}${reason ? ` ${reason}` : ''}: ${redact(message)}`, {
      hint: hintFor(status),
      details: { status, reason, method, path },
    });
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
    this.method = method;
    this.path = path;
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 404;
}

/** A LIST's continue token expired (etcd compacted past it): the LIST must start again. */
export function isExpired(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 410;
}

export function isConflict(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 409;
}

/** Build the error from a response body without ever keeping the body itself. */
export function apiErrorFromBody(method: string, path: string, status: number, body: string): KubeApiError {
  let reason: string | undefined;
  let message = `HTTP ${status}`;
  try {
    const parsed = JSON.parse(body) as { kind?: string; reason?: string; message?: string };
    if (parsed.kind === 'Status') {
      reason = parsed.reason;
      message = truncate(parsed.message ?? message);
    }
  } catch {
    // Not a Status object (a proxy's HTML page, say): the body is dropped on purpose.
  }
  return new KubeApiError(method, path, status, reason, message);
}

function truncate(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function hintFor(status: number): string | undefined {
  if (status === 401) return 'the kubeconfig credentials were rejected: check the user entry and that its certificate or token is current';
  if (status === 403) return 'the kubeconfig user lacks RBAC permission for this request';
  if (status === 404) return 'the object or resource does not exist on this cluster (is the CRD installed?)';
  if (status === 409) return 'the object changed or already exists: re-read it and retry';
  if (status === 422) return 'the server rejected the object as invalid: see the message for the field';
  if (status >= 500) return 'the apiserver failed: check that it is healthy (/readyz) and retry';
  return undefined;
}
