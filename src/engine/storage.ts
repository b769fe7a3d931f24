import { join } from 'node:path';
import { createKeyFile, LocalKeyProvider } from '../crypto/local-kms.js';
import { createKeyProvider } from '../crypto/registry.js';
import type { KeyProvider } from '../crypto/types.js';
import { openStore } from '../store/registry.js';
import type { BackupStore } from '../store/types.js';
import type { Scenario } from '../scenario/schema.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Logger } from '../core/logger.js';

/**
 * The key provider and store of a scenario. Without `backup.kms` a drill uses a throw-away local key in its work
 * dir (never beside the backups): drill backups exist to be restored once, within the run.
 */
export async function openScenarioStorage(
  scenario: Scenario,
  dirs: { scenarioDir: string; artifactsDir: string; workDir: string },
  audit: AuditLog,
  logger: Logger,
): Promise<{ keys: KeyProvider; store: BackupStore }> {
  const backup = scenario.spec.backup;
  let keys: KeyProvider;
  if (backup.kms) {
    keys = await createKeyProvider(backup.kms.provider, backup.kms.options ?? {}, { baseDir: dirs.scenarioDir });
  } else {
    const keyFile = join(dirs.workDir, 'drill-key.json');
    await createKeyFile(keyFile);
    keys = await LocalKeyProvider.fromFile(keyFile, { logger });
  }
  const store = storeFor(scenario, dirs, keys, audit);
  return { keys, store };
}

/** ctx.facts key: the key provider the store was opened with. */
export const STORE_KEYS_FACT = 'store.keys';

/** The scenario's store opened with `keys` (also used to reopen it after a chaos step rotated the key). */
export function storeFor(scenario: Scenario, dirs: { scenarioDir: string; artifactsDir: string }, keys: KeyProvider, audit: AuditLog): BackupStore {
  // An existing backup (backup.from) is read from its own store when it names one.
  const spec = scenario.spec.backup.from?.store ?? scenario.spec.backup.store ?? { type: 'local' as const, path: join(dirs.artifactsDir, 'backups') };
  return openStore(spec, keys, { baseDir: dirs.scenarioDir, audit });
}
