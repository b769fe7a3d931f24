import { Type, type Static } from '@sinclair/typebox';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

const Ref = <K extends string[]>(kinds: [...K], what: string) =>
  Type.Object(
    {
      kind: Type.Union(kinds.map((k) => Type.Literal(k))),
      name: Type.String({ minLength: 1 }),
      namespace: Type.Optional(Type.String({ minLength: 1, description: `Namespace of a namespaced ${what}` })),
    },
    { additionalProperties: false },
  );

/** Options of tamper-rbac: which fields each mode needs is checked by `tamperProblems`. */
export const TamperOptions = Type.Object(
  {
    mode: Type.Union([Type.Literal('escalate-binding'), Type.Literal('widen-role'), Type.Literal('add-subject')], {
      description: 'escalate-binding: new ClusterRoleBinding to clusterRole; widen-role: add rule */*/* to `role`; add-subject: add `subject` to `binding`',
    }),
    subject: Type.Optional(Ref(['ServiceAccount', 'User', 'Group'], 'subject')),
    extraSubjects: Type.Optional(Type.Array(Ref(['ServiceAccount', 'User', 'Group'], 'subject'), { minItems: 1, description: 'escalate-binding: more subjects for the new binding' })),
    disguise: Type.Optional(Type.Boolean({
      description: 'escalate-binding: dress the binding as bootstrap RBAC (label kubernetes.io/bootstrapping=rbac-defaults, annotation rbac.authorization.kubernetes.io/autoupdate=true); give it a system: bindingName',
    })),
    clusterRole: Type.Optional(Type.String({ minLength: 1, default: 'cluster-admin', description: 'escalate-binding: the ClusterRole to grant' })),
    bindingName: Type.Optional(Type.String({ minLength: 1, description: 'escalate-binding: name of the new ClusterRoleBinding (default kdrill-escalate-<run>)' })),
    role: Type.Optional(Ref(['Role', 'ClusterRole'], 'Role')),
    binding: Type.Optional(Ref(['RoleBinding', 'ClusterRoleBinding'], 'RoleBinding')),
  },
  { additionalProperties: false },
);

export type TamperOptions = Static<typeof TamperOptions>;
export type SubjectRef = NonNullable<TamperOptions['subject']>;
export type ObjectRef = { kind: string; name: string; namespace?: string | undefined };

/** What each mode needs and forbids, as readable problems (empty when the options make sense). */
export function tamperProblems(o: TamperOptions): string[] {
  const problems: string[] = [];
  const need = (field: keyof TamperOptions) => o[field] === undefined && problems.push(`mode ${o.mode} needs ${field}`);
  const forbid = (field: keyof TamperOptions) => o[field] !== undefined && problems.push(`mode ${o.mode} does not use ${field}`);
  if (o.mode === 'escalate-binding') {
    need('subject');
    forbid('role');
    forbid('binding');
  } else if (o.mode === 'widen-role') {
    need('role');
    for (const field of ['subject', 'binding', 'bindingName', 'extraSubjects', 'disguise'] as const) forbid(field);
  } else {
    need('subject');
    need('binding');
    for (const field of ['role', 'bindingName', 'extraSubjects', 'disguise'] as const) forbid(field);
  }
  for (const subject of [o.subject, ...(o.extraSubjects ?? [])]) {
    if (subject) problems.push(...namespaceProblems('subject', subject, subject.kind === 'ServiceAccount'));
  }
  if (o.role) problems.push(...namespaceProblems('role', o.role, o.role.kind === 'Role'));
  if (o.binding) problems.push(...namespaceProblems('binding', o.binding, o.binding.kind === 'RoleBinding'));
  return problems;
}

function namespaceProblems(field: string, ref: ObjectRef, namespaced: boolean): string[] {
  if (namespaced && !ref.namespace) return [`${field} ${ref.kind} ${ref.name} needs a namespace`];
  if (!namespaced && ref.namespace) return [`${field} ${ref.kind} ${ref.name} is cluster-scoped: remove its namespace`];
  return [];
}

/** What `disguise` puts on a planted binding: every sign of bootstrap RBAC that anyone can set. */
export const BOOTSTRAP_DISGUISE = {
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
} as const;

/** The RBAC subject object for a subject option. */
export function rbacSubject(s: SubjectRef): Record<string, string> {
  return s.kind === 'ServiceAccount' ? { kind: s.kind, name: s.name, namespace: s.namespace! } : { kind: s.kind, name: s.name, apiGroup: RBAC_GROUP };
}

/** The user name the apiserver authenticates a subject as (what a SubjectAccessReview asks about). */
export function subjectUser(s: SubjectRef): string {
  return s.kind === 'ServiceAccount' ? `system:serviceaccount:${s.namespace}:${s.name}` : s.name;
}

/** API path of a Role/ClusterRole/RoleBinding/ClusterRoleBinding. */
export function rbacPath(ref: ObjectRef): string {
  const plural = `${ref.kind.toLowerCase()}s`;
  const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  return `/apis/${RBAC_GROUP}/v1${ns}/${plural}/${encodeURIComponent(ref.name)}`;
}

/** The rule widen-role adds: every verb on every resource of every group. */
export const WILDCARD_RULE = { apiGroups: ['*'], resources: ['*'], verbs: ['*'] } as const;
