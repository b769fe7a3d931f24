import type { KubeObject } from '../../kube/types.js';

/** Where each workload kind keeps its pod spec. */
export const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** The fields of a pod spec that can name a Secret. */
export interface PodSpecJson {
  containers?: ContainerJson[];
  initContainers?: ContainerJson[];
  ephemeralContainers?: ContainerJson[];
  volumes?: VolumeJson[];
  imagePullSecrets?: { name?: string }[];
  serviceAccountName?: string;
}

export interface ContainerJson {
  name?: string;
  env?: { name?: string; valueFrom?: { secretKeyRef?: { name?: string; key?: string; optional?: boolean } } }[];
  envFrom?: { prefix?: string; secretRef?: { name?: string; optional?: boolean } }[];
}

export interface KeyItems {
  items?: { key?: string }[];
  optional?: boolean;
}

export interface VolumeJson {
  name?: string;
  secret?: KeyItems & { secretName?: string };
  projected?: { sources?: { secret?: KeyItems & { name?: string } }[] };
}

/** The pod spec of a workload object, or undefined for other kinds or an object without one. */
export function podSpecOf(object: KubeObject): PodSpecJson | undefined {
  const path = POD_SPEC_PATHS[object.kind];
  if (!path) return undefined;
  let node: unknown = object;
  for (const field of path) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[field] : undefined;
  return node && typeof node === 'object' ? (node as PodSpecJson) : undefined;
}

/** True when a workload controller in POD_SPEC_PATHS owns the object: its owner's template is checked instead. */
export function ownedByWorkload(object: KubeObject): boolean {
  return (object.metadata.ownerReferences ?? []).some((o) => o.controller && o.kind in POD_SPEC_PATHS);
}

/** Every container of a pod spec, init and ephemeral ones included. */
export function containersOf(spec: PodSpecJson): ContainerJson[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}
