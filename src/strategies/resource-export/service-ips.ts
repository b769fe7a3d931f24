import { BlockList, isIP } from 'node:net';
import { isNotFound } from '../../kube/errors.js';
import type { KubeClient } from '../../kube/client.js';
import type { KubeObject } from '../../kube/types.js';
import { withRetry, type RetryPolicy } from './retry.js';

/**
 * The target's Service IP ranges (networking.k8s.io/v1 ServiceCIDRs, GA since Kubernetes 1.33), or undefined when the
 * cluster does not serve that API: then no backed-up clusterIP is kept, as before.
 */
export async function targetServiceCidrs(client: Pick<KubeClient, 'listAll'>, policy: RetryPolicy): Promise<string[] | undefined> {
  try {
    const list = await withRetry(() => client.listAll('/apis/networking.k8s.io/v1/servicecidrs'), policy);
    return list.items.flatMap((item) => (item.spec as { cidrs?: string[] } | undefined)?.cidrs ?? []);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** True when `ip` lies in one of `cidrs` (IPv4 or IPv6). */
export function inCidrs(ip: string, cidrs: readonly string[]): boolean {
  const family = isIP(ip);
  if (!family) return false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net, bits] = cidr.split('/');
    const netFamily = isIP(net ?? '');
    if (netFamily !== family || bits === undefined) continue;
    list.addSubnet(net!, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  }
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** The Service without its cluster IPs (the target allocates new ones). */
export function withoutClusterIp(service: KubeObject): KubeObject {
  const spec = { ...(service.spec as Record<string, unknown>) };
  delete spec.clusterIP;
  delete spec.clusterIPs;
  return { ...service, spec };
}
