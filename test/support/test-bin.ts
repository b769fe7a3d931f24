import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where tools/build-test-servers.sh puts the Go test servers. */
export const TEST_BIN_DIR = process.env.KDRILL_TEST_BIN ?? join(homedir(), '.cache', 'kdrill', 'test-bin');

/** The path of a test server binary, or the one-line reason a test skips without it. */
export function testBinary(name: string): { path: string | undefined; skipReason: string } {
  const path = join(TEST_BIN_DIR, name);
  return existsSync(path)
    ? { path, skipReason: '' }
    : { path: undefined, skipReason: `${name} not found in ${TEST_BIN_DIR}: build it with \`bash tools/build-test-servers.sh\`` };
}

/** A free TCP port on 127.0.0.1 (released before return; the server binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A server started for a test; `stop` kills its process group and waits for it. */
export interface TestServer {
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `command` in its own process group and waits until 127.0.0.1:`port` accepts connections. */
export async function startTestServer(spec: { name: string; command: string; args: string[]; env: Record<string, string>; port: number; cwd?: string }): Promise<TestServer> {
  const child = spawn(spec.command, spec.args, { env: { ...process.env, ...spec.env }, cwd: spec.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // A plain exit hook, not kdrill's killOnExit: that one installs signal handlers in the test worker.
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', killGroup);
  const forget = () => process.off('exit', killGroup);
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    forget();
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(-child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && process.kill(-child.pid!, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 20_000;
  while (!(await accepts(spec.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${spec.name} did not start on port ${spec.port}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port: spec.port, output: () => output, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
