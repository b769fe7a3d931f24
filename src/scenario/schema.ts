import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Scenario and Drill formats (apiVersion kdrill.dev/v1alpha1). Plugin `options` are checked by each plugin's own schema. */
export const API_VERSION = 'kdrill.dev/v1alpha1';

/** Pattern of Go-style durations (units h, m, s, ms); src/scenario/duration.ts parses the same grammar. */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

/** Pattern of DNS-label names (metadata.name, generator prefixes). */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** Go-style durations, as Kubernetes writes them: `90s`, `5m`, `1h30m`, `250ms`. */
export const Duration = Type.String({
  pattern: DURATION_PATTERN,
  description: 'A duration such as 30s, 5m or 1h30m',
});

const Options = Type.Record(Type.String(), Type.Unknown(), { description: 'Plugin options (see `kdrill list`)' });

const Metadata = Type.Object(
  {
    name: Type.String({ pattern: DNS_LABEL_PATTERN, maxLength: 63, description: 'DNS-label name' }),
    description: Type.Optional(Type.String()),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);

export const ClusterSpec = Type.Object(
  {
    provider: Type.String({ description: 'local | k3s | kind | kubeconfig' }),
    options: Type.Optional(Options),
    /** Destructive steps refuse clusters kdrill did not create unless this is true. */
    allowDestructive: Type.Optional(Type.Boolean({ description: 'Allow destructive chaos on a cluster kdrill did not create' })),
  },
  { additionalProperties: false, description: 'The cluster under test: a provider id and its options' },
);

const GeneratorSpec = Type.Object(
  {
    namespaces: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
    secretsPerNamespace: Type.Optional(Type.Integer({ minimum: 0 })),
    configMapsPerNamespace: Type.Optional(Type.Integer({ minimum: 0 })),
    serviceAccountsPerNamespace: Type.Optional(Type.Integer({ minimum: 0 })),
    rolesPerNamespace: Type.Optional(Type.Integer({ minimum: 0 })),
    customResourcesPerNamespace: Type.Optional(Type.Integer({ minimum: 0 })),
    deploymentsPerNamespace: Type.Optional(Type.Integer({ minimum: 0 })),
    namePrefix: Type.Optional(Type.String({ pattern: DNS_LABEL_PATTERN, maxLength: 30 })),
  },
  { additionalProperties: false },
);

export const FixturesSpec = Type.Object(
  {
    /** Manifest files or directories, relative to the scenario file. */
    manifests: Type.Optional(Type.Array(Type.String())),
    /** Built-in fixture sets from scenarios/fixtures, by name. */
    sets: Type.Optional(Type.Array(Type.String())),
    generate: Type.Optional(GeneratorSpec),
  },
  { additionalProperties: false, description: 'Objects seeded before the backup: manifests, built-in sets, generated objects' },
);

export const StoreSpec = Type.Object(
  {
    type: Type.Union([Type.Literal('local'), Type.Literal('s3')]),
    path: Type.Optional(Type.String()),
    options: Type.Optional(Options),
  },
  { additionalProperties: false },
);

export const KmsSpec = Type.Object(
  {
    provider: Type.String({ description: 'local | aws-kms | vault-transit' }),
    options: Type.Optional(Options),
  },
  { additionalProperties: false },
);

/** An existing backup the drill restores instead of taking one (e.g. last night's, made by `kdrill backup` in a cron job). */
export const BackupSourceSpec = Type.Object(
  {
    /** Where the backups are; defaults to backup.store. */
    store: Type.Optional(StoreSpec),
    /** `latest` (the newest complete backup whose manifest opens) or a backup id. */
    id: Type.Optional(Type.String({ minLength: 1, description: 'latest (default) or a backup id (kdrill backups list)' })),
    /** The drill fails when the backup is older than this at the start of the drill. */
    maxAge: Type.Optional(Duration),
    /** A plain etcd snapshot file (etcdctl snapshot save, k3s etcd-snapshot) instead of a kdrill backup. */
    etcdSnapshot: Type.Optional(Type.String({ minLength: 1, description: 'a plain etcd snapshot (etcdctl snapshot save, k3s): a file, relative to the scenario, or s3://bucket/key; strategy etcd-snapshot' })),
    /** The source cluster's keys that go with a plain etcd snapshot; each one left out has a stated consequence. */
    material: Type.Optional(Type.Object(
      {
        encryptionConfig: Type.Optional(Type.String({ minLength: 1, description: "the apiserver's EncryptionConfiguration (without it encrypted Secrets stay unreadable)" })),
        serviceAccountKey: Type.Optional(Type.String({ minLength: 1, description: 'service-account signing key (without it old tokens are rejected)' })),
        serviceAccountPublicKey: Type.Optional(Type.String({ minLength: 1, description: 'service-account public key' })),
        caCert: Type.Optional(Type.String({ minLength: 1, description: 'cluster CA certificate' })),
        caKey: Type.Optional(Type.String({ minLength: 1, description: 'cluster CA key' })),
      },
      { additionalProperties: false, description: 'Files that go with etcdSnapshot, relative to the scenario' },
    )),
  },
  { additionalProperties: false, description: 'Drill an existing backup instead of taking one: a kdrill backup (store, id, maxAge) or a plain etcd snapshot file (etcdSnapshot, material, maxAge)' },
);

export const BackupSpec = Type.Object(
  {
    strategy: Type.String({ description: 'etcd-snapshot | resource-export | velero | command (with `from`: the strategy the backup was made with)' }),
    options: Type.Optional(Options),
    store: Type.Optional(StoreSpec),
    kms: Type.Optional(KmsSpec),
    from: Type.Optional(BackupSourceSpec),
  },
  { additionalProperties: false, description: 'How the backup is taken (strategy id and options), where it is stored, how it is encrypted' },
);

export const ChaosStepSpec = Type.Object(
  {
    step: Type.String({ description: 'A chaos step id (kdrill list chaos)' }),
    name: Type.Optional(Type.String()),
    options: Type.Optional(Options),
    /** `restore` runs the step while the restore is in progress, after `after`. */
    during: Type.Optional(Type.Union([Type.Literal('chaos'), Type.Literal('restore')])),
    after: Type.Optional(Duration),
  },
  { additionalProperties: false, description: 'One chaos step: an id (kdrill list chaos) and its options' },
);

/** An isolated restore target: a new cluster of its own provider, e.g. a throw-away local cluster for a production source. */
export const TargetClusterSpec = Type.Object(
  {
    provider: Type.String({ description: 'local | k3s | kind (a provider that creates clusters)' }),
    options: Type.Optional(Options),
  },
  { additionalProperties: false, description: 'Restore into a new cluster of this provider (an isolated target); the source is only read' },
);

export const RestoreSpec = Type.Object(
  {
    strategy: Type.Optional(Type.String({ description: 'Defaults to the backup strategy' })),
    target: Type.Optional(Type.Union([Type.Literal('same'), Type.Literal('fresh'), TargetClusterSpec])),
    options: Type.Optional(Options),
    /** Re-run the restore after a failed attempt (an interrupted restore must converge on re-run). */
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
  },
  { additionalProperties: false, description: 'How the backup is restored: strategy (defaults to the backup strategy), target same|fresh|{provider, options}' },
);

export const CheckSpec = Type.Object(
  {
    check: Type.String({ description: 'A check id (kdrill list checks)' }),
    name: Type.Optional(Type.String()),
    options: Type.Optional(Options),
    /** `pass` (default); `fail`: the check is expected to fail, e.g. a drill proving a check catches a broken restore. */
    expect: Type.Optional(Type.Union([Type.Literal('pass'), Type.Literal('fail')])),
    /** A skipped check fails the scenario unless it is optional (or the run passes --allow-skipped). */
    optional: Type.Optional(Type.Boolean({ description: 'Skipping this check (e.g. no etcd access) does not fail the scenario' })),
  },
  { additionalProperties: false, description: 'One check run after the restore: an id (kdrill list checks) and its options' },
);

export const ObjectivesSpec = Type.Object(
  {
    rto: Type.Optional(Duration),
    rpo: Type.Optional(Duration),
  },
  { additionalProperties: false, description: 'Recovery time and recovery point objectives the drill must meet' },
);

export const PhaseName = Type.Union(
  ['provision', 'seed', 'baseline', 'backup', 'chaos', 'restore', 'verify', 'teardown'].map((p) => Type.Literal(p)),
);
export type PhaseName = 'provision' | 'seed' | 'baseline' | 'backup' | 'chaos' | 'restore' | 'verify' | 'teardown';
export const PHASES: readonly PhaseName[] = ['provision', 'seed', 'baseline', 'backup', 'chaos', 'restore', 'verify', 'teardown'];

export const TimeoutsSpec = Type.Partial(
  Type.Object({
    provision: Duration,
    seed: Duration,
    baseline: Duration,
    backup: Duration,
    chaos: Duration,
    restore: Duration,
    verify: Duration,
    teardown: Duration,
  }),
  { additionalProperties: false, description: 'Time limit per phase' },
);

export const ScenarioSpec = Type.Object(
  {
    cluster: Type.Optional(ClusterSpec),
    fixtures: Type.Optional(FixturesSpec),
    backup: BackupSpec,
    chaos: Type.Optional(Type.Array(ChaosStepSpec, { description: 'Chaos steps, run in order after the backup' })),
    restore: Type.Optional(RestoreSpec),
    checks: Type.Array(CheckSpec, { minItems: 1, description: 'Checks that prove the restore (at least one)' }),
    objectives: Type.Optional(ObjectivesSpec),
    timeouts: Type.Optional(TimeoutsSpec),
    /** Where comparing checks take their baseline: the source cluster (default) or the backup's own objects. */
    baseline: Type.Optional(Type.Union([Type.Literal('source'), Type.Literal('backup')], {
      description: 'source (default): checks take their baseline from the source cluster; backup: from the objects in the backup (a source that cannot be read)',
    })),
  },
  { additionalProperties: false },
);

export const ScenarioDocument = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal('Scenario'),
    metadata: Metadata,
    spec: ScenarioSpec,
  },
  { additionalProperties: false, $id: 'https://kdrill.dev/schema/scenario.json' },
);

export const DrillDocument = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal('Drill'),
    metadata: Metadata,
    spec: Type.Object(
      {
        /** Scenario paths or globs, relative to the drill file. */
        scenarios: Type.Array(Type.String(), { minItems: 1, description: 'Scenario files or globs, relative to the drill file' }),
        /** Merged under each scenario's own spec (the scenario wins). */
        defaults: Type.Optional(
          Type.Partial(ScenarioSpec, { description: "Spec fields merged under each scenario's own (the scenario wins; lists are replaced)" }),
        ),
        concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 16, description: 'Scenarios run at once' })),
        failFast: Type.Optional(Type.Boolean({ description: 'Stop at the first failed scenario' })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, $id: 'https://kdrill.dev/schema/drill.json' },
);

export type Scenario = Static<typeof ScenarioDocument>;
export type ScenarioSpecType = Static<typeof ScenarioSpec>;
export type Drill = Static<typeof DrillDocument>;
export type ChaosStepSpecType = Static<typeof ChaosStepSpec>;
export type CheckSpecType = Static<typeof CheckSpec>;
export type BackupSpecType = Static<typeof BackupSpec>;
export type RestoreSpecType = Static<typeof RestoreSpec>;
export type TargetClusterSpecType = Static<typeof TargetClusterSpec>;
export type BackupSourceSpecType = Static<typeof BackupSourceSpec>;
export type FixturesSpecType = Static<typeof FixturesSpec>;
export type SchemaOf = TSchema;
