import net from 'node:net';
import { KdrillError } from '../../core/errors.js';

/** A TCP port on 127.0.0.1 that was free a moment ago (the caller binds it soon after; startup retries on a clash). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Fails with E_PORT_IN_USE when something already listens on 127.0.0.1:port. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  const inUse = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
  if (inUse) {
    throw new KdrillError('E_PORT_IN_USE', `port 127.0.0.1:${port} for ${what} is already in use`, {
      hint: 'stop whatever listens there (ss -ltnp), or omit the port option so kdrill picks a free one',
    });
  }
}
