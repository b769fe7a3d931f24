import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { resolve } from 'node:path';
import { KdrillError } from '../core/errors.js';
import { AwsKmsKeyProvider } from './aws-kms.js';
import { LocalKeyProvider, defaultKeyFile } from './local-kms.js';
import type { KeyProvider } from './types.js';
import { VaultTransitKeyProvider } from './vault-transit.js';

/** One key-encryption-key provider as scenarios name it in `backup.kms.provider`. */
export interface KmsProviderEntry {
  id: string;
  /** One line for `kdrill list`. */
  description: string;
  /** JSON Schema (TypeBox) of the provider's options in a scenario. */
  optionsSchema: TSchema;
  /** Builds the provider; `baseDir` is the scenario's folder (relative key paths resolve against it). */
  create(options: Record<string, unknown>, ctx: { baseDir: string }): Promise<KeyProvider>;
}

const LocalOptions = Type.Object(
  { keyFile: Type.Optional(Type.String({ minLength: 1, description: 'key file path, relative to the scenario; default $KDRILL_KEY_FILE or ~/.config/kdrill/key.json' })) },
  { additionalProperties: false },
);
const AwsKmsOptions = Type.Object(
  {
    keyId: Type.String({ minLength: 1, description: 'KMS key id, ARN or alias/NAME' }),
    region: Type.Optional(Type.String({ minLength: 1, description: 'default $AWS_REGION' })),
    endpoint: Type.Optional(Type.String({ minLength: 1, description: 'KMS-compatible endpoint URL' })),
  },
  { additionalProperties: false },
);
const VaultTransitOptions = Type.Object(
  {
    address: Type.Optional(Type.String({ minLength: 1, description: 'server URL; default $VAULT_ADDR' })),
    key: Type.String({ minLength: 1, description: 'Transit key name' }),
    tokenEnv: Type.Optional(Type.String({ minLength: 1, description: 'environment variable holding the token; default VAULT_TOKEN' })),
    mount: Type.Optional(Type.String({ minLength: 1, description: 'Transit mount path; default transit' })),
  },
  { additionalProperties: false },
);

/** Every KMS provider by its scenario id. A new provider = one file + one line here. */
export const KMS_PROVIDERS: Record<string, KmsProviderEntry> = {
  local: {
    id: 'local',
    description: 'a local key file (KdrillKeyFile, versions kept across rotation)',
    optionsSchema: LocalOptions,
    create: async (options, ctx) => {
      const { keyFile } = parseOptions(LocalOptions, options, 'local');
      return LocalKeyProvider.fromFile(keyFile ? resolve(ctx.baseDir, keyFile) : defaultKeyFile());
    },
  },
  'aws-kms': {
    id: 'aws-kms',
    description: 'AWS KMS or a compatible server (Encrypt/Decrypt with the configured key only, encryption context binds the backup id)',
    optionsSchema: AwsKmsOptions,
    create: async (options) => new AwsKmsKeyProvider(parseOptions(AwsKmsOptions, options, 'aws-kms')),
  },
  'vault-transit': {
    id: 'vault-transit',
    description: 'Vault/OpenBao Transit (unverified against a real server)',
    optionsSchema: VaultTransitOptions,
    create: async (options) => new VaultTransitKeyProvider(parseOptions(VaultTransitOptions, options, 'vault-transit')),
  },
};

/** Builds the provider a scenario names, or E_UNKNOWN_PLUGIN listing the known ids. */
export async function createKeyProvider(id: string, options: Record<string, unknown>, ctx: { baseDir: string }): Promise<KeyProvider> {
  const entry = KMS_PROVIDERS[id];
  if (!entry) {
    throw new KdrillError('E_UNKNOWN_PLUGIN', `unknown KMS provider "${id}"`, { hint: `use one of: ${Object.keys(KMS_PROVIDERS).join(', ')}` });
  }
  return entry.create(options, ctx);
}

function parseOptions<T extends TSchema>(schema: T, options: Record<string, unknown>, id: string): Static<T> {
  if (Value.Check(schema, options)) return options;
  const problems = [...Value.Errors(schema, options)].map((e) => `${e.path || '/'}: ${e.message}`);
  throw new KdrillError('E_SCENARIO_INVALID', `invalid options for KMS provider ${id}: ${problems.join('; ')}`, {
    hint: `allowed options: ${Object.keys((schema as { properties?: object }).properties ?? {}).join(', ')}`,
  });
}
