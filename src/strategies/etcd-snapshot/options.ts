import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { KdrillError } from '../../core/errors.js';
import { DURATION_PATTERN } from '../../scenario/schema.js';
import { parseDuration } from '../../scenario/duration.js';

/** Options of `etcd-snapshot`: one schema for a scenario's backup.options and restore.options. */
export const EtcdSnapshotOptionsSchema = Type.Object(
  {
    sealSnapshot: Type.Optional(
      Type.Boolean({ default: true, description: 'Encrypt the snapshot with the backup data key (it holds ConfigMaps and other plaintext)' }),
    ),
    restoreMaterial: Type.Optional(
      Type.Boolean({ default: true, description: "Install the backup's encryption config and service-account keys; false keeps the target's own (restored Secrets become unreadable)" }),
    ),
    readyTimeout: Type.Optional(Type.String({ pattern: DURATION_PATTERN, default: '5m', description: 'How long to wait for the apiserver after a restore' })),
    members: Type.Optional(
      Type.Union([Type.Literal('all'), Type.Literal('first')], {
        default: 'all',
        description: "Members of a multi-member etcd restored from the snapshot: all (etcd's procedure) or first (the classic mistake: the others start from their own data; a drill proves etcd-consistency catches it)",
      }),
    ),
  },
  { additionalProperties: false },
);

/** Options with defaults applied. */
export interface EtcdSnapshotOptions {
  sealSnapshot: boolean;
  restoreMaterial: boolean;
  readyTimeoutMs: number;
  members: 'all' | 'first';
}

/** Validates `raw` against the schema (E_SCENARIO_INVALID naming the field) and applies defaults. */
export function parseOptions(raw: Record<string, unknown> | undefined): EtcdSnapshotOptions {
  const value = Value.Default(EtcdSnapshotOptionsSchema, structuredClone(raw ?? {})) as Static<typeof EtcdSnapshotOptionsSchema>;
  const error = Value.Errors(EtcdSnapshotOptionsSchema, value).First();
  if (error) {
    throw new KdrillError('E_SCENARIO_INVALID', `strategy etcd-snapshot: option ${error.path || '/'} ${error.message}`, {
      hint: 'valid options: sealSnapshot (boolean), restoreMaterial (boolean), readyTimeout (duration such as 5m), members (all or first)',
    });
  }
  return {
    sealSnapshot: value.sealSnapshot ?? true,
    restoreMaterial: value.restoreMaterial ?? true,
    readyTimeoutMs: parseDuration(value.readyTimeout ?? '5m'),
    members: value.members ?? 'all',
  };
}
