import { Type } from '@sinclair/typebox';
import { KdrillError } from '../core/errors.js';
import { LocalKeyProvider, rotateKeyFile } from '../crypto/local-kms.js';
import type { KeyProvider } from '../crypto/types.js';
import type { ChaosStep, DrillContext } from '../contracts/types.js';
import { parseStepOptions } from './options.js';

const ID = 'rotate-kek';
const Options = Type.Object({}, { additionalProperties: false });

/** A KMS provider that can rotate its own key (an optional method; none of the built-in remote providers has one yet). */
export interface RotatableKeyProvider extends KeyProvider {
  rotate(): Promise<unknown>;
}

/** Rotates the key-encryption key between backup and restore: the restore must still unwrap the backup's data key. */
export const rotateKek: ChaosStep = {
  id: ID,
  description: 'Rotate the key-encryption key between backup and restore (local key file: new primary version, old ones kept)',
  optionsSchema: Options,
  // Rotation touches no cluster and keeps every old key version: nothing it does is irreversible.
  destructive: false,
  async run(ctx, raw) {
    parseStepOptions(ID, Options, raw);
    if (ctx.keys instanceof LocalKeyProvider) return rotateLocal(ctx, ctx.keys);
    const keys = ctx.keys as Partial<RotatableKeyProvider>;
    if (typeof keys.rotate === 'function') {
      await keys.rotate();
      await ctx.audit.record({ action: 'key.rotate', subject: ctx.keys.describe(), details: { provider: ctx.keys.id, by: ID } });
      ctx.facts.set(`chaos.${ID}`, { provider: ctx.keys.id });
      return `rotated ${ctx.keys.describe()}`;
    }
    throw new KdrillError('E_KEY', `chaos step ${ID}: KMS provider ${ctx.keys.id} (${ctx.keys.describe()}) has no rotation kdrill can trigger`, {
      hint: 'rotate the key in the KMS itself (AWS KMS: enable automatic rotation or RotateKeyOnDemand) and drop this step, or use the local KMS provider',
    });
  },
};

async function rotateLocal(ctx: DrillContext, keys: LocalKeyProvider): Promise<string> {
  const before = keys.primaryVersion;
  const info = await rotateKeyFile(keys.path);
  // Re-read the file rather than patch the old provider: the restore must work from what is on disk now.
  ctx.keys = await LocalKeyProvider.fromFile(keys.path, { logger: ctx.logger });
  await ctx.audit.record({ action: 'key.rotate', subject: info.keyId, details: { provider: 'local', from: before, to: info.primaryVersion, by: ID } });
  ctx.facts.set(`chaos.${ID}`, { provider: 'local', keyId: info.keyId, fromVersion: before, toVersion: info.primaryVersion });
  return `rotated local key ${info.keyId} in ${keys.path}: primary version ${before} → ${info.primaryVersion} (versions kept: ${info.versions.join(', ')})`;
}
