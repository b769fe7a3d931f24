import { KdrillError } from '../../core/errors.js';
import { splitApiVersion } from '../../kube/paths.js';
import type { KubeObject } from '../../kube/types.js';
import type { ApplyEnv } from './apply.js';
import { applyBody, type PlannedObject, type PlanStep } from './plan.js';
import { withRetry } from './retry.js';

interface CrdSpec {
  group: string;
  names: { plural: string; kind: string };
  versions: { name: string; storage: boolean }[];
  conversion?: { strategy?: string; webhook?: { clientConfig?: { service?: { namespace: string; name: string } } } };
}

/** A conversion webhook the restore depends on: custom resources read or written at a version that is not stored. */
interface WebhookNeed {
  crd: string;
  service: string;
  versions: Set<string>;
  count: number;
}

/**
 * Custom resources read or written at a version other than their CRD's storage version go through the CRD's conversion
 * webhook. When its Service is neither in the backup nor in the target, every such read and write answers 500 and a
 * restore would retry them until its deadline: fail at once, naming the CRD and the Service. `stage` says when:
 * before anything is written (`plan`), or right before the custom resources (`apply`, the Service must exist by then).
 */
export async function assertConversionServices(steps: PlanStep[], env: ApplyEnv, stage: 'plan' | 'apply'): Promise<void> {
  const objects = steps.flatMap((s) => s.objects);
  const plannedCrds = new Map(objects.filter(isCrd).map((p) => [p.head.metadata.name, applyBody(p, env.sanitize).spec as CrdSpec]));
  const plannedServices = new Set(objects.filter(isService).map((p) => `${p.head.metadata.namespace}/${p.head.metadata.name}`));
  const missing: WebhookNeed[] = [];
  for (const need of await webhookNeeds(objects.filter((p) => p.resource.custom), plannedCrds, env)) {
    // A dry run writes nothing: the backup's Service stands for the one the restore would create.
    if ((stage === 'plan' || env.options.dryRun) && plannedServices.has(need.service)) continue;
    const [namespace, name] = need.service.split('/') as [string, string];
    const live = await withRetry(() => env.client.getOptional(`/api/v1/namespaces/${namespace}/services/${name}`), env.policy);
    if (!live) missing.push(need);
  }
  if (!missing.length) return;
  const first = missing[0]!;
  throw new KdrillError(
    'E_KUBE_API',
    `CRD ${first.crd} converts through webhook Service ${first.service}, which does not exist${stage === 'plan' ? ' in the target nor in the backup' : ''}: ` +
      `${first.count} custom resources at ${[...first.versions].join(', ')} cannot be read or written` +
      (missing.length > 1 ? `; also ${missing.slice(1).map((m) => `CRD ${m.crd} (Service ${m.service})`).join(', ')}` : ''),
    {
      hint: `back up and restore the Service ${first.service} and the webhook that serves it with the CRD (include its namespace), or restore the custom resources at the storage version`,
      details: { missing: missing.map((m) => ({ crd: m.crd, service: m.service, versions: [...m.versions], customResources: m.count })) },
    },
  );
}

async function webhookNeeds(customs: PlannedObject[], plannedCrds: Map<string, CrdSpec>, env: ApplyEnv): Promise<WebhookNeed[]> {
  const needs = new Map<string, WebhookNeed>();
  const crdCache = new Map<string, CrdSpec | undefined>();
  for (const p of customs) {
    const { group, version } = splitApiVersion(p.head.apiVersion);
    const crdName = `${p.resource.resource}.${group}`;
    if (!crdCache.has(crdName)) crdCache.set(crdName, plannedCrds.get(crdName) ?? (await liveCrd(crdName, env)));
    const spec = crdCache.get(crdName);
    const service = spec?.conversion?.strategy === 'Webhook' ? spec.conversion.webhook?.clientConfig?.service : undefined;
    const storage = spec?.versions.find((v) => v.storage)?.name;
    if (!service || version === storage) continue;
    const need = needs.get(crdName) ?? { crd: crdName, service: `${service.namespace}/${service.name}`, versions: new Set<string>(), count: 0 };
    need.versions.add(version);
    need.count++;
    needs.set(crdName, need);
  }
  return [...needs.values()];
}

async function liveCrd(name: string, env: ApplyEnv): Promise<CrdSpec | undefined> {
  const crd = await withRetry(() => env.client.getOptional<KubeObject>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`), env.policy);
  return crd?.spec as CrdSpec | undefined;
}

function isCrd(p: PlannedObject): boolean {
  return p.resource.group === 'apiextensions.k8s.io' && p.resource.resource === 'customresourcedefinitions';
}

function isService(p: PlannedObject): boolean {
  return p.resource.group === '' && p.resource.resource === 'services';
}
