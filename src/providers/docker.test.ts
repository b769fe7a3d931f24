import { describe, expect, it } from 'vitest';
import { commandError, lastLines } from './command.js';
import { dockerFailureReason } from './docker.js';

describe('dockerFailureReason', () => {
  it('names the endpoint the docker CLI reports', () => {
    const stderr = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';
    expect(dockerFailureReason({ notInstalled: false, timedOut: false, stderr })).toBe(
      'no Docker engine answers at unix:///var/run/docker.sock: start Docker or use --provider local',
    );
  });

  it('falls back to DOCKER_HOST and keeps one line of an unexpected error', () => {
    expect(dockerFailureReason({ notInstalled: false, timedOut: false, stderr: 'permission denied\nwhile trying to connect', dockerHost: 'tcp://10.0.0.5:2376' })).toBe(
      'no Docker engine answers at tcp://10.0.0.5:2376 (while trying to connect): start Docker or use --provider local',
    );
  });

  it('distinguishes a missing CLI and a hanging engine', () => {
    expect(dockerFailureReason({ notInstalled: true, timedOut: false, stderr: '' })).toMatch(/^the docker CLI is not on PATH/);
    expect(dockerFailureReason({ notInstalled: false, timedOut: true, stderr: '' })).toBe(
      'the Docker engine at unix:///var/run/docker.sock did not answer in time: start Docker or use --provider local',
    );
  });
});

describe('commandError', () => {
  it('carries argv, exit code and the stderr tail', () => {
    const error = commandError({ file: 'kind', args: ['create', 'cluster', '--name', 'x'] }, {
      exitCode: 1, errorCode: undefined, timedOut: false, stderr: 'l1\nl2\nl3\nl4\nl5\nl6\nERROR: failed to create cluster',
    });
    expect(error.code).toBe('E_COMMAND');
    expect(error.message).toBe('kind create cluster --name x: exit code 1\nl3\nl4\nl5\nl6\nERROR: failed to create cluster');
    expect(error.details).toEqual({ argv: 'kind create cluster --name x', exitCode: 1, timedOut: false });
  });

  it('says when the binary is missing and how to fix it', () => {
    const error = commandError({ file: 'kind', args: ['version'] }, { exitCode: undefined, errorCode: 'ENOENT', timedOut: false, stderr: '' });
    expect(error.message).toBe('kind version: kind is not on PATH');
    expect(error.hint).toBe('install kind and make sure it is on PATH');
  });

  it('trims long lines', () => {
    expect(lastLines(`${'x'.repeat(400)}\n\nend`, 2)).toBe(`${'x'.repeat(300)}…\nend`);
  });
});
