import type { KubeClient } from '../../kube/client.js';
import { isNotFound } from '../../kube/errors.js';
import { needsFromDeployments, type CrdNeed } from './needs.js';
import type { CrdObject } from './validate-cr.js';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** Every CRD of the cluster by name. */
export async function listCrds(client: KubeClient): Promise<Map<string, CrdObject>> {
  const list = await client.listAll(CRDS);
  return new Map(list.items.map((item) => [item.metadata.name, item as CrdObject]));
}

/** CRD versions that Deployments declare with the kdrill.dev/needs-crd-versions annotation, in every namespace. */
export async function readDeploymentNeeds(client: KubeClient): Promise<{ needs: CrdNeed[]; malformed: string[] }> {
  try {
    return needsFromDeployments((await client.listAll('/apis/apps/v1/deployments')).items);
  } catch (error) {
    // A control plane without the apps group (a bare apiserver in tests) has no Deployments to read.
    if (isNotFound(error)) return { needs: [], malformed: [] };
    throw error;
  }
}
