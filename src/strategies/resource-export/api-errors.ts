import { KubeApiError } from '../../kube/errors.js';

/** A 422 saying the change touches an immutable field (a RoleBinding's roleRef, an immutable Secret, a Service's IP). */
export function isImmutableChange(error: unknown): boolean {
  return (
    error instanceof KubeApiError &&
    error.status === 422 &&
    /immutable|may not change|cannot change|updates to .* are forbidden/i.test(error.message)
  );
}

/** Keeps the part of an API error message that names the field, without the method and path prefix. */
export function shorten(text: string): string {
  const message = text.replace(/^[A-Z]+ \S+: /, '');
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
