import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { resolve } from 'node:path';
import { KdrillError } from '../core/errors.js';
import type { KeyProvider } from '../crypto/types.js';
import type { AuditLog } from '../audit/audit-log.js';
import { createLocalStore } from './local-store.js';
import type { RewrappableStore } from './rewrap.js';
import { createS3Store } from './s3-store.js';

export { rewrapBackup, type RewrapResult, type RewrappableStore } from './rewrap.js';

/** Where a scenario keeps its backups (the scenario's `backup.store`). */
export interface StoreSpec {
  type: 'local' | 's3';
  /** local: a directory (relative to the scenario); s3: `s3://bucket/prefix` (or use options.bucket). */
  path?: string;
  options?: Record<string, unknown>;
}

const LocalOptions = Type.Object({}, { additionalProperties: false });
const S3Options = Type.Object(
  {
    bucket: Type.Optional(Type.String({ minLength: 3, description: 'bucket name (or give path: s3://bucket/prefix)' })),
    prefix: Type.Optional(Type.String({ description: 'key prefix for every backup' })),
    region: Type.Optional(Type.String({ minLength: 1, description: 'default $AWS_REGION, else us-east-1' })),
    endpoint: Type.Optional(Type.String({ minLength: 1, description: 'S3-compatible endpoint URL (path-style addressing by default)' })),
    forcePathStyle: Type.Optional(Type.Boolean()),
    objectLock: Type.Optional(
      Type.Object(
        { mode: Type.Union([Type.Literal('COMPLIANCE'), Type.Literal('GOVERNANCE')]), days: Type.Integer({ minimum: 1, maximum: 36500 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** JSON Schema of each store type's `options`, for the scenario schema. */
export const STORE_OPTION_SCHEMAS: Record<StoreSpec['type'], TSchema> = { local: LocalOptions, s3: S3Options };

/** Opens the store a spec names; relative local paths resolve against `ctx.baseDir`. Bad specs → E_SCENARIO_INVALID. */
export function openStore(spec: StoreSpec, keys: KeyProvider, ctx: { baseDir: string; audit?: AuditLog }): RewrappableStore {
  if (spec.type === 'local') {
    parseOptions(LocalOptions, spec.options ?? {}, 'local');
    if (!spec.path) throw invalid('a local store needs a path', 'set backup.store.path to a directory outside the key file folder');
    return createLocalStore({ root: resolve(ctx.baseDir, spec.path), keys, audit: ctx.audit });
  }
  if (spec.type === 's3') {
    const options = parseOptions(S3Options, spec.options ?? {}, 's3');
    const fromPath = spec.path ? parseS3Url(spec.path) : {};
    const bucket = options.bucket ?? fromPath.bucket;
    if (!bucket) throw invalid('an s3 store needs a bucket', 'set backup.store.path: s3://BUCKET/PREFIX or options.bucket');
    return createS3Store({ ...options, bucket, prefix: options.prefix ?? fromPath.prefix, keys, audit: ctx.audit });
  }
  throw new KdrillError('E_UNKNOWN_PLUGIN', `unknown store type "${(spec as { type: string }).type}"`, { hint: 'use local or s3' });
}

function parseS3Url(path: string): { bucket?: string; prefix?: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(path);
  if (!match) throw invalid(`s3 store path ${JSON.stringify(path)} is not an s3:// URL`, 'write it as s3://BUCKET/PREFIX');
  return { bucket: match[1], prefix: match[2] || undefined };
}

function parseOptions<T extends TSchema>(schema: T, options: Record<string, unknown>, type: string): Static<T> {
  if (Value.Check(schema, options)) return options;
  const problems = [...Value.Errors(schema, options)].map((e) => `${e.path || '/'}: ${e.message}`);
  throw invalid(`invalid options for the ${type} store: ${problems.join('; ')}`, `allowed options: ${Object.keys((schema as { properties?: object }).properties ?? {}).join(', ') || '(none)'}`);
}

function invalid(message: string, hint: string): KdrillError {
  return new KdrillError('E_SCENARIO_INVALID', message, { hint });
}
