/**
 * Tamper-evident audit log: one JSON line per event, each carrying the sha256 of the previous line,
 * so removing or editing a line breaks the chain that `verifyAuditLog` walks.
 */
export type AuditAction =
  | 'backup.create'
  | 'backup.write'
  | 'backup.read'
  | 'backup.verify'
  | 'restore.start'
  | 'restore.apply'
  | 'restore.finish'
  | 'key.unwrap'
  | 'key.rotate'
  | 'chaos.run'
  | 'cluster.create'
  | 'cluster.destroy';

export interface AuditEvent {
  action: AuditAction;
  /** What was acted on: a backup id, an artifact name, a cluster name. Never a secret value. */
  subject: string;
  details?: Record<string, unknown>;
}

export interface AuditLog {
  readonly path: string | undefined;
  record(event: AuditEvent): Promise<void>;
}

/** An audit log that keeps nothing: for library callers that do not want one. */
export const nullAuditLog: AuditLog = { path: undefined, record: async () => {} };
