import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, posix, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { canonicalJson } from '../core/canonical-json.js';
import { KdrillError } from '../core/errors.js';
import { mapLimit } from '../core/map-limit.js';
import { KDRILL_VERSION } from '../core/version.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { RunResults, Verdict } from '../contracts/types.js';
import { GENESIS_HASH, verifyAuditLog, type AuditEntry } from './audit-log.js';
import type { PublicKeyInfo, SigningKey } from './signing-key.js';

/**
 * Signed drill evidence: `evidence.json` binds every file of a run's report folder (sha256), the audit chain (head
 * hash, line count, file hash) and the backups the drill used (id, manifest rootHash) under one Ed25519 signature.
 * The audit chain alone is unkeyed (anyone can rewrite and re-hash it); the signature is what makes it evidence.
 */
export const EVIDENCE_FILE = 'evidence.json';
export const AUDIT_FILE = 'audit.jsonl';
/** The run's own files; signing refuses a folder that lacks one of them. */
export const REQUIRED_FILES = ['results.json', 'junit.xml', 'report.md', 'kdrill.log'] as const;

export interface EvidenceFile {
  /** Relative to the report folder, `/`-separated. */
  path: string;
  sha256: string;
  size: number;
}

/** Everything the signature covers (evidence.json minus `signature`). */
export interface EvidenceStatement {
  kind: 'KdrillEvidence';
  formatVersion: 1;
  runId: string;
  kdrillVersion: string;
  signedAt: string;
  verdict: Verdict;
  scenarios: { name: string; file: string; scenarioHash: string; verdict: Verdict }[];
  /** Backups the drill took and restored; rootHash is the manifest's at commit time, from the audit's backup.write line. */
  backups: { scenario: string; id: string; rootHash: string | null }[];
  audit: { path: string; lines: number; headHash: string; sha256: string | null };
  /** Every regular file under the report folder except evidence.json and the audit log, sorted by path. */
  files: EvidenceFile[];
  signer: { algorithm: 'Ed25519'; publicKeyFingerprint: string };
}

export interface Evidence extends EvidenceStatement {
  /** base64 Ed25519 signature over canonicalJson(statement). */
  signature: string;
}

/** One thing that does not match the signed evidence: `subject` is a file path or `audit.jsonl line N`. */
export interface EvidenceProblem {
  subject: string;
  reason: string;
}

export interface EvidenceVerification {
  ok: boolean;
  evidence: Evidence;
  /** In order: the signature, the audit chain, then files; the first one is what an auditor looks at first. */
  problems: EvidenceProblem[];
  filesChecked: number;
  auditLines: number;
}

/** Write `<outDir>/evidence.json` for a finished run: call it after every other file in the folder is final. */
export async function writeEvidence(outDir: string, results: RunResults, key: SigningKey, now: Date = new Date()): Promise<string> {
  for (const name of REQUIRED_FILES) {
    if (!(await isFile(join(outDir, name)))) {
      throw new KdrillError('E_EVIDENCE', `cannot sign ${outDir}: ${name} is missing`, { hint: 'sign only a finished run folder, after every reporter has written' });
    }
  }
  const audit = await auditState(join(outDir, AUDIT_FILE));
  const statement: EvidenceStatement = {
    kind: 'KdrillEvidence',
    formatVersion: 1,
    runId: results.runId,
    kdrillVersion: KDRILL_VERSION,
    signedAt: now.toISOString(),
    verdict: results.verdict,
    scenarios: results.scenarios.map((s) => ({ name: s.name, file: s.file, scenarioHash: s.scenarioHash, verdict: s.verdict })),
    backups: results.scenarios.flatMap((s) => (s.backup ? [{ scenario: s.name, id: s.backup.id, rootHash: audit.rootHashes.get(s.backup.id) ?? null }] : [])),
    audit: audit.summary,
    files: await hashFiles(outDir, await listFiles(outDir)),
    signer: { algorithm: 'Ed25519', publicKeyFingerprint: key.fingerprint },
  };
  const evidence: Evidence = { ...statement, signature: sign(null, Buffer.from(canonicalJson(statement)), key.privateKey).toString('base64') };
  const path = join(outDir, EVIDENCE_FILE);
  await writeFileAtomic(path, JSON.stringify(evidence, null, 2) + '\n', 0o644);
  return path;
}

/** Re-hash a signed report folder, check the signature with `key` and walk the audit chain. Throws E_EVIDENCE only for bad input. */
export async function verifyEvidence(dir: string, key: PublicKeyInfo): Promise<EvidenceVerification> {
  const evidence = await readEvidence(dir);
  const problems: EvidenceProblem[] = [];
  const signatureProblem = checkSignature(evidence, key);
  if (signatureProblem) problems.push(signatureProblem);
  const audit = await checkAudit(dir, evidence.audit);
  problems.push(...audit.problems);
  problems.push(...(await checkFiles(dir, evidence.files)));
  return { ok: problems.length === 0, evidence, problems, filesChecked: evidence.files.length, auditLines: audit.lines };
}

function checkSignature(evidence: Evidence, key: PublicKeyInfo): EvidenceProblem | undefined {
  const { signature, ...statement } = evidence;
  if (evidence.signer?.publicKeyFingerprint !== key.fingerprint) {
    return { subject: EVIDENCE_FILE, reason: `signed by key ${evidence.signer?.publicKeyFingerprint ?? '(none)'}, not by the given public key ${key.fingerprint}` };
  }
  const good = typeof signature === 'string' && verifiesAs(Buffer.from(canonicalJson(statement)), key.publicKey, signature);
  return good ? undefined : { subject: EVIDENCE_FILE, reason: 'the signature does not match its content (evidence.json was changed after signing)' };
}

function verifiesAs(data: Buffer, publicKey: KeyObject, signature: string): boolean {
  try {
    return verify(null, data, publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** The audit log's chain state, and the manifest rootHash of every backup.write line (by backup id). */
async function auditState(path: string): Promise<{ summary: EvidenceStatement['audit']; rootHashes: Map<string, string> }> {
  const chain = await verifyAuditLog(path);
  if (!chain.ok && chain.reason !== 'missing') {
    throw new KdrillError('E_EVIDENCE', `refusing to sign: ${path} is broken at line ${chain.brokenAt} (${chain.reason})`, {
      hint: 'keep the folder as evidence of tampering; a broken chain must not be signed as if it were intact',
    });
  }
  const rootHashes = new Map<string, string>();
  if (!chain.ok) return { summary: { path: AUDIT_FILE, lines: 0, headHash: GENESIS_HASH, sha256: null }, rootHashes };
  const text = await readFile(path);
  for (const line of text.toString('utf8').split('\n').filter(Boolean)) {
    const entry = JSON.parse(line) as AuditEntry;
    if (entry.action === 'backup.write' && typeof entry.details.rootHash === 'string') rootHashes.set(entry.subject, entry.details.rootHash);
  }
  return { summary: { path: AUDIT_FILE, lines: chain.entries, headHash: chain.lastHash ?? GENESIS_HASH, sha256: sha256(text) }, rootHashes };
}

async function checkAudit(dir: string, signed: EvidenceStatement['audit']): Promise<{ problems: EvidenceProblem[]; lines: number }> {
  const path = join(dir, AUDIT_FILE);
  const chain = await verifyAuditLog(path);
  if (chain.reason === 'missing') {
    return { problems: signed.lines > 0 ? [{ subject: AUDIT_FILE, reason: `missing; the evidence covers ${signed.lines} lines` }] : [], lines: 0 };
  }
  if (!chain.ok) return { problems: [{ subject: `${AUDIT_FILE} line ${chain.brokenAt}`, reason: chain.reason ?? 'broken' }], lines: chain.entries };
  if (chain.entries < signed.lines) {
    return { problems: [{ subject: `${AUDIT_FILE} line ${chain.entries + 1}`, reason: `missing: the file ends after line ${chain.entries}, the evidence covers ${signed.lines} lines (lines cut from the end)` }], lines: chain.entries };
  }
  if (chain.entries > signed.lines) {
    return { problems: [{ subject: `${AUDIT_FILE} line ${signed.lines + 1}`, reason: `not covered by the evidence (${chain.entries - signed.lines} lines appended after signing)` }], lines: chain.entries };
  }
  if (chain.lastHash !== signed.headHash) {
    return { problems: [{ subject: AUDIT_FILE, reason: `chain head ${chain.lastHash} is not the signed ${signed.headHash} (the whole chain was rewritten and re-hashed)` }], lines: chain.entries };
  }
  const bytes = sha256(await readFile(path));
  const reason = 'the chain verifies but the bytes differ from the signed file (a line was reformatted)';
  return { problems: bytes === signed.sha256 ? [] : [{ subject: AUDIT_FILE, reason }], lines: chain.entries };
}

async function checkFiles(dir: string, signed: EvidenceFile[]): Promise<EvidenceProblem[]> {
  const problems: EvidenceProblem[] = [];
  const onDisk = new Set(await listFiles(dir));
  const safe = signed.filter((f) => {
    if (isInside(f.path)) return true;
    problems.push({ subject: f.path, reason: 'the evidence names a path outside the report folder' });
    return false;
  });
  const present = safe.filter((f) => onDisk.has(f.path));
  const actual = new Map((await hashFiles(dir, present.map((f) => f.path))).map((f) => [f.path, f]));
  for (const f of safe) {
    const now = actual.get(f.path);
    if (!now) problems.push({ subject: f.path, reason: 'missing (deleted after signing)' });
    else if (now.sha256 !== f.sha256) problems.push({ subject: f.path, reason: `sha256 ${now.sha256} is not the signed ${f.sha256} (changed after signing)` });
  }
  const listed = new Set(signed.map((f) => f.path));
  for (const path of onDisk) if (!listed.has(path)) problems.push({ subject: path, reason: 'not covered by the evidence (added after signing)' });
  return problems;
}

async function readEvidence(dir: string): Promise<Evidence> {
  const path = join(dir, EVIDENCE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KdrillError('E_EVIDENCE', code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path} (${code ?? 'error'})`, {
      hint: 'give the report folder of a run made with `kdrill run --sign KEY`',
    });
  }
  let data: Evidence;
  try {
    data = JSON.parse(text) as Evidence;
  } catch {
    throw new KdrillError('E_EVIDENCE', `${path} is not valid JSON`, { hint: 'the file is damaged: ask for the original report folder' });
  }
  if (data?.kind !== 'KdrillEvidence' || data.formatVersion !== 1 || !Array.isArray(data.files) || typeof data.audit !== 'object' || data.audit === null) {
    throw new KdrillError('E_EVIDENCE', `${path} is not kdrill evidence format 1`, { hint: 'the file is damaged or from another kdrill version' });
  }
  return data;
}

/** Every regular file under `dir` except evidence.json and the audit log, `/`-separated, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join(posix.sep))
    .filter((p) => p !== EVIDENCE_FILE && p !== AUDIT_FILE);
  return files.sort();
}

/** Streams every file (bounded concurrency: backups in the folder can be large). */
async function hashFiles(dir: string, paths: string[]): Promise<EvidenceFile[]> {
  return mapLimit(paths, 4, async (path) => {
    const hash = createHash('sha256');
    await pipeline(createReadStream(join(dir, path)), hash);
    return { path, sha256: hash.digest('hex'), size: (await lstat(join(dir, path))).size };
  });
}

function isInside(path: unknown): boolean {
  if (typeof path !== 'string' || path === '') return false;
  const n = normalize(path);
  return !isAbsolute(n) && n !== '..' && !n.startsWith(`..${sep}`);
}

async function isFile(path: string): Promise<boolean> {
  return lstat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
