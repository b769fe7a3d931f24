import type { DrillContext } from '../../contracts/types.js';
import type { KubeObject } from '../../kube/types.js';
import { readBackup } from '../../strategies/resource-export/read-backup.js';

const RESOURCE_EXPORT = 'resource-export';

/** The RBAC objects of the drill's backup by `Kind ns/name`, or why they cannot be known. */
export type BackupRbac = { id: string; objects: Map<string, KubeObject> } | { id?: string; unknown: string };

/** Read the four RBAC kinds from the drill's resource-export backup (hash-checked, audited); other strategies say why not. */
export async function readBackupRbac(ctx: Pick<DrillContext, 'backup' | 'store' | 'audit'>): Promise<BackupRbac> {
  const backup = ctx.backup;
  if (!backup) return { unknown: 'the drill took no backup' };
  if (backup.strategy !== RESOURCE_EXPORT) return { id: backup.id, unknown: `a ${backup.strategy} backup cannot be searched for RBAC objects` };
  try {
    const reader = await ctx.store.open(backup.id);
    const { resources } = await readBackup(reader, ctx.audit, (e) => e.group === 'rbac.authorization.k8s.io').finally(() => reader.close());
    const objects = new Map<string, KubeObject>();
    for (const { entry, items } of resources) for (const o of items) objects.set(rbacKey(entry.kind, o), o);
    return { id: backup.id, objects };
  } catch (error) {
    return { id: backup.id, unknown: `backup ${backup.id} could not be read: ${(error as Error).message}` };
  }
}

/** `ClusterRoleBinding name`, `RoleBinding ns/name`: the key rbacIdentities uses. */
export function rbacKey(kind: string, o: KubeObject): string {
  return `${kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}
