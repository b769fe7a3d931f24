import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalKeyProvider, createKeyFile } from '../crypto/local-kms.js';
import type { AuditEvent, AuditLog } from '../engine/audit.js';

/** For store tests: a temp folder with a key file outside the store root, and an audit log kept in memory. */
export async function storeFixture(): Promise<{ dir: string; root: string; keyFile: string; keys: LocalKeyProvider; audit: AuditLog & { events: AuditEvent[] }; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kdrill-store-'));
  const keyFile = join(dir, 'keys', 'key.json');
  await createKeyFile(keyFile);
  const events: AuditEvent[] = [];
  return {
    dir,
    root: join(dir, 'backups'),
    keyFile,
    keys: await LocalKeyProvider.fromFile(keyFile),
    audit: { path: undefined, events, record: async (event) => void events.push(event) },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
