import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { KdrillError } from '../../core/errors.js';

export const VeleroOptionsSchema = Type.Object(
  {
    s3Url: Type.Optional(Type.String({ minLength: 1, description: 'S3 endpoint of the bucket (default $KDRILL_VELERO_S3_URL; unset: kdrill runs a throw-away S3 server, versitygw, for the drill)' })),
    bucket: Type.Optional(Type.String({ minLength: 3, description: 'bucket Velero writes its backups to (default velero; created on the throw-away server)' })),
    region: Type.Optional(Type.String({ minLength: 1, description: 'S3 region (default us-east-1)' })),
    credentialsFile: Type.Optional(Type.String({ minLength: 1, description: 'AWS shared-credentials file for the bucket (default: one written from $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY)' })),
    includeNamespaces: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'namespaces the Velero backup takes (default: all)' })),
    excludeResources: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'resources the Velero restore leaves out, e.g. [secrets] (velero restore create --exclude-resources)' })),
    binDir: Type.Optional(Type.String({ minLength: 1, description: 'folder with velero and plugins/velero-plugin-for-aws (default $KDRILL_VELERO_DIR, else ~/.cache/kdrill/test-bin/velero)' })),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 86400, description: 'how long a Velero backup or restore may take (default 900)' })),
  },
  { additionalProperties: false },
);

export type VeleroOptions = Static<typeof VeleroOptionsSchema>;

export function parseVeleroOptions(options: Record<string, unknown>): VeleroOptions {
  if (Value.Check(VeleroOptionsSchema, options)) return options;
  const first = [...Value.Errors(VeleroOptionsSchema, options)][0];
  throw new KdrillError('E_SCENARIO_INVALID', `velero options: ${first?.path || '/'} ${first?.message ?? 'invalid'}`, { hint: 'see docs/scenarios.md, strategy velero' });
}
