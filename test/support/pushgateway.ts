import { freePort, startTestServer, testBinary } from './test-bin.js';

/** The Prometheus Pushgateway (tools/build-metrics-tools.sh), or why tests skip. */
export const pushgatewayBinary = testBinary('pushgateway');

/** Starts a Pushgateway on a free 127.0.0.1 port with in-memory storage (no persistence file). */
export async function startPushgateway(): Promise<{ url: string; stop(): Promise<void> }> {
  if (!pushgatewayBinary.path) throw new Error(pushgatewayBinary.skipReason);
  const port = await freePort();
  const server = await startTestServer({ name: 'pushgateway', command: pushgatewayBinary.path, args: [`--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], env: {}, port });
  return { url: `http://127.0.0.1:${port}`, stop: server.stop };
}
