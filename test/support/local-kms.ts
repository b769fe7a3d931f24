import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startTestServer, testBinary } from './test-bin.js';

/** local-kms (github.com/nsmithuk/local-kms) binary, or why tests skip. */
export const localKmsBinary = testBinary('local-kms');

/** A seeded symmetric key: the last backing key is current; earlier ones simulate rotations. */
export interface SeedKey {
  keyId: string;
  backingKeys: string[];
  alias?: string;
}

/** A running local-kms with its endpoint; `stop` also removes its data folder. */
export interface LocalKms {
  endpoint: string;
  region: string;
  accountId: string;
  stop(): Promise<void>;
}

/** Seed YAML in local-kms's format (Keys.Symmetric.Aes[].Metadata.KeyId + BackingKeys, Aliases). */
export function seedYaml(keys: SeedKey[]): string {
  const lines = ['Keys:', '  Symmetric:', '    Aes:'];
  for (const key of keys) {
    lines.push(`      - Metadata:`, `          KeyId: ${key.keyId}`, `        BackingKeys:`, ...key.backingKeys.map((b) => `          - ${b}`));
  }
  const aliases = keys.filter((k) => k.alias);
  if (aliases.length) lines.push('Aliases:', ...aliases.flatMap((k) => [`  - AliasName: ${k.alias}`, `    TargetKeyId: ${k.keyId}`]));
  return lines.join('\n') + '\n';
}

/** Starts local-kms on a free 127.0.0.1 port (it binds all interfaces) with the given seed. */
export async function startLocalKms(keys: SeedKey[]): Promise<LocalKms> {
  if (!localKmsBinary.path) throw new Error(localKmsBinary.skipReason);
  const dir = await mkdtemp(join(tmpdir(), 'kdrill-local-kms-'));
  await writeFile(join(dir, 'seed.yaml'), seedYaml(keys));
  const port = await freePort();
  const region = 'us-east-1';
  const accountId = '111122223333';
  const server = await startTestServer({
    name: 'local-kms',
    command: localKmsBinary.path,
    args: [],
    port,
    cwd: dir,
    env: { PORT: String(port), KMS_REGION: region, KMS_ACCOUNT_ID: accountId, KMS_DATA_PATH: join(dir, 'data'), KMS_SEED_PATH: join(dir, 'seed.yaml') },
  }).catch(async (error) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    accountId,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
