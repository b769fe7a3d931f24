import { createHash } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { KdrillError } from '../core/errors.js';
import { redact, redactDeep } from '../core/redact.js';
import { canonicalJson } from '../core/canonical-json.js';

/**
 * Tamper-evident audit log: one JSON line per event, each carrying the sha256 of the previous line,
 * so removing or editing a line breaks the chain that `verifyAuditLog` walks.
 */
export type AuditAction =
  | 'backup.create'
  | 'backup.write'
  | 'backup.read'
  | 'backup.select'
  | 'backup.verify'
  | 'backup.delete'
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
  /** On which cluster and with which kubeconfig identity: set by `clusterAudit` (src/audit/actor.ts), not by callers. */
  scope?: AuditScope;
}

/** The cluster an event touched and the kubeconfig identity used: names and the server URL only, never credentials. */
export interface AuditScope {
  cluster: { name: string; provider?: string; server?: string };
  kubeContext?: string;
  kubeUser?: string;
}

/** Who acted: the OS user running kdrill, and the kubeconfig user and context when the event touched a cluster. */
export interface AuditActor {
  osUser: string;
  kubeUser?: string;
  kubeContext?: string;
}

export interface AuditLog {
  readonly path: string | undefined;
  record(event: AuditEvent): Promise<void>;
}

/** An audit log that keeps nothing: for library callers that do not want one. */
export const nullAuditLog: AuditLog = { path: undefined, record: async () => {} };

/** One line of the audit file: the event plus its position and the hash chain. */
export interface AuditEntry {
  seq: number;
  time: string;
  runId: string;
  /** Absent in files written before kdrill recorded actors (their chains still verify). */
  actor?: AuditActor;
  cluster?: AuditScope['cluster'];
  action: AuditAction;
  subject: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** Outcome of walking an audit file: `entries` lines verified before the first bad one (all of them when ok). */
export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** 1-based line number of the first line that breaks the chain. */
  brokenAt?: number;
  reason?: string;
  /** Hash of the last good entry: store it elsewhere to detect truncation of the tail too. */
  lastHash?: string;
}

/** The prevHash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** Re-exported: the audit chain hashes canonical JSON. */
export { canonicalJson };

/** sha256(prevHash + canonical JSON of the entry without its hash), hex. */
export function hashEntry(entry: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256').update(entry.prevHash + canonicalJson(entry)).digest('hex');
}


export interface FileAuditLogOptions {
  runId: string;
  now?: () => Date;
  /** The OS user recorded as the actor of every line (default: the user running this process). */
  osUser?: string;
}

/** An append-only JSON-lines audit file; appends are serialized and fsync'd; an existing file's chain is continued. */
export class FileAuditLog implements AuditLog {
  private tail: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly options: FileAuditLogOptions,
    private seq: number,
    private prevHash: string,
  ) {}

  /** Open (or create) the file at `path`; refuses a file whose chain does not verify. */
  static async open(path: string, options: FileAuditLogOptions): Promise<FileAuditLog> {
    await mkdir(dirname(path), { recursive: true });
    const check = await verifyAuditLog(path);
    if (!check.ok && check.reason !== 'missing') {
      throw new KdrillError('E_STORE', `audit log ${path} is not intact (line ${check.brokenAt}: ${check.reason})`, {
        hint: 'keep the tampered file as evidence, move it aside and start a new audit log',
      });
    }
    return new FileAuditLog(path, options, check.entries, check.lastHash ?? GENESIS_HASH);
  }

  /** Append one event; resolves once the line is on disk. A failed append does not advance the chain. */
  record(event: AuditEvent): Promise<void> {
    const next = this.tail.then(() => this.append(event));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async append(event: AuditEvent): Promise<void> {
    const { scope } = event;
    const body: Omit<AuditEntry, 'hash'> = {
      seq: this.seq + 1,
      time: (this.options.now?.() ?? new Date()).toISOString(),
      runId: this.options.runId,
      actor: redactDeep(actorOf(this.options.osUser ?? osUser(), scope)),
      ...(scope ? { cluster: redactDeep(scope.cluster) } : {}),
      action: event.action,
      subject: redact(event.subject),
      details: redactDeep(event.details ?? {}) as Record<string, unknown>,
      prevHash: this.prevHash,
    };
    const entry: AuditEntry = { ...body, hash: hashEntry(body) };
    const file = await open(this.path, 'a', 0o600);
    try {
      await file.appendFile(JSON.stringify(entry) + '\n', 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    this.seq = entry.seq;
    this.prevHash = entry.hash;
  }
}

function actorOf(os: string, scope: AuditScope | undefined): AuditActor {
  return { osUser: os, ...(scope?.kubeUser ? { kubeUser: scope.kubeUser } : {}), ...(scope?.kubeContext ? { kubeContext: scope.kubeContext } : {}) };
}

/** The OS account running kdrill; containers without a passwd entry fall back to $USER or the numeric uid. */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER || `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

/** Walk the chain of an audit file; detects edited, removed, reordered and inserted lines (not a cut tail: compare lastHash). */
export async function verifyAuditLog(path: string): Promise<AuditVerification> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, entries: 0, reason: code === 'ENOENT' ? 'missing' : `unreadable (${code ?? 'error'})` };
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let prevHash = GENESIS_HASH;
  for (const [index, line] of lines.entries()) {
    const problem = checkLine(line, index + 1, prevHash);
    if (typeof problem === 'string') return { ok: false, entries: index, brokenAt: index + 1, reason: problem, lastHash: prevHash };
    prevHash = problem.hash;
  }
  return { ok: true, entries: lines.length, lastHash: prevHash };
}

function checkLine(line: string, expectedSeq: number, prevHash: string): AuditEntry | string {
  let entry: AuditEntry;
  try {
    entry = JSON.parse(line) as AuditEntry;
  } catch {
    return 'not a JSON line';
  }
  if (entry === null || typeof entry !== 'object' || typeof entry.hash !== 'string') return 'not an audit entry';
  const { hash, ...body } = entry;
  if (hashEntry(body) !== hash) return 'hash does not match the content (line edited)';
  if (entry.prevHash !== prevHash) return 'prevHash does not match the previous line (line removed, reordered or inserted)';
  if (entry.seq !== expectedSeq) return `seq ${entry.seq} where ${expectedSeq} was expected (line removed, reordered or inserted)`;
  return entry;
}
