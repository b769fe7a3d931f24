import { execa } from 'execa';
import { lastLines } from './command.js';

const DEFAULT_HOST = 'unix:///var/run/docker.sock';
const FALLBACK = 'start Docker or use --provider local';

/**
 * Undefined when a Docker engine answers `docker info` within `timeoutMs`; otherwise a one-line reason naming the
 * endpoint and the fix (the kind provider drives the docker CLI, so the CLI is what must work).
 */
export async function dockerUnavailableReason(timeoutMs = 5_000): Promise<string | undefined> {
  const result = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false, timeout: timeoutMs });
  if (!result.failed && result.stdout.trim() !== '') return undefined;
  return dockerFailureReason({
    notInstalled: result.code === 'ENOENT',
    timedOut: result.timedOut,
    stderr: result.stderr,
    dockerHost: process.env.DOCKER_HOST,
  });
}

/** The reason line for a failed `docker info` (pure, for tests). */
export function dockerFailureReason(failure: { notInstalled: boolean; timedOut: boolean; stderr: string; dockerHost?: string | undefined }): string {
  if (failure.notInstalled) return `the docker CLI is not on PATH: install Docker or use --provider local`;
  // The CLI names the endpoint it tried ("Cannot connect to the Docker daemon at unix:///..."): prefer that over guessing.
  const named = /daemon at (\S+?)\.? Is the/.exec(failure.stderr)?.[1];
  const host = named ?? failure.dockerHost ?? DEFAULT_HOST;
  if (failure.timedOut) return `the Docker engine at ${host} did not answer in time: ${FALLBACK}`;
  const detail = named ? '' : lastLines(failure.stderr, 1);
  return `no Docker engine answers at ${host}${detail ? ` (${detail})` : ''}: ${FALLBACK}`;
}

/**
 * Undefined when testcontainers finds a working container runtime (its own detection: DOCKER_HOST,
 * ~/.testcontainers.properties, the default and rootless sockets); otherwise a one-line reason.
 */
export async function containerRuntimeUnavailableReason(timeoutMs = 10_000): Promise<string | undefined> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([getContainerRuntimeClient().then(() => 'ok' as const), timeout]);
    if (outcome === 'ok') return undefined;
    return `no container runtime answered within ${timeoutMs / 1000}s at ${process.env.DOCKER_HOST ?? DEFAULT_HOST}: ${FALLBACK}`;
  } catch {
    return `no Docker engine answers at ${process.env.DOCKER_HOST ?? DEFAULT_HOST}: ${FALLBACK}`;
  } finally {
    clearTimeout(timer);
  }
}
