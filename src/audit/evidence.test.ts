import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runResultsFixture } from '../reporters/fixtures/run-results.js';
import { FileAuditLog, hashEntry, type AuditEntry } from './audit-log.js';
import { FIXTURE_ROOT_HASHES, writeFinishedRun } from './fixtures/finished-run.js';
import { verifyEvidence, writeEvidence, type Evidence } from './evidence.js';
import { createSigningKey, readPublicKey, readSigningKey } from './signing-key.js';

let dir: string;
let run: string;
let keyPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-evidence-'));
  run = join(dir, 'reports', 'run-1');
  keyPath = join(dir, 'keys', 'signing.key');
  await createSigningKey(keyPath);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const finishedRun = () => writeFinishedRun(run);
const ROOT_HASHES = FIXTURE_ROOT_HASHES;

async function signed(): Promise<void> {
  await writeEvidence(run, await finishedRun(), await readSigningKey(keyPath), new Date('2025-03-01T12:10:00Z'));
}

const verifyWith = async (pub = `${keyPath}.pub`) => verifyEvidence(run, await readPublicKey(pub));

async function flipByte(path: string, at: (text: string) => number): Promise<void> {
  const bytes = await readFile(path);
  const i = at(bytes.toString('latin1'));
  bytes[i] = bytes[i]! ^ 0x01;
  await writeFile(path, bytes);
}

const auditPath = () => join(run, 'audit.jsonl');
const auditLines = async () => (await readFile(auditPath(), 'utf8')).trimEnd().split('\n');
const saveAudit = (lines: string[]) => writeFile(auditPath(), lines.join('\n') + '\n');

describe('signed evidence', () => {
  it('an untouched run verifies; the evidence binds the run, scenarios, files, audit head and backups', async () => {
    await signed();
    const result = await verifyWith();
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    const evidence = JSON.parse(await readFile(join(run, 'evidence.json'), 'utf8')) as Evidence;
    expect(evidence.runId).toBe('run-1');
    expect(evidence.scenarios.map((s) => [s.name, s.scenarioHash])).toEqual(runResultsFixture().scenarios.map((s) => [s.name, s.scenarioHash]));
    expect(evidence.files.map((f) => f.path)).toEqual(['junit.xml', 'kdrill.log', 'report.md', 'results.json', 'secret-wipe/state-diff.json']);
    expect(evidence.audit).toMatchObject({ path: 'audit.jsonl', lines: 6 });
    const last = JSON.parse((await auditLines()).at(-1)!) as AuditEntry;
    expect(evidence.audit.headHash).toBe(last.hash);
    expect(evidence.backups.map((b) => b.rootHash)).toEqual(ROOT_HASHES);
    expect(evidence.signer.publicKeyFingerprint).toBe((await readPublicKey(`${keyPath}.pub`)).fingerprint);
    expect(result.filesChecked).toBe(5);
    expect(result.auditLines).toBe(6);
  });

  it.each(['report.md', 'results.json', 'kdrill.log', 'junit.xml', 'secret-wipe/state-diff.json'])('one byte edited in %s: fails and names it', async (file) => {
    await signed();
    await flipByte(join(run, file), (text) => Math.floor(text.length / 2));
    const result = await verifyWith();
    expect(result.ok).toBe(false);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ subject: file, reason: expect.stringContaining('changed after signing') });
  });

  it('one byte edited in an audit line: names that line', async () => {
    await signed();
    const lines = await auditLines();
    lines[3] = lines[3]!.replace('delete-secrets', 'delete-secretz');
    await saveAudit(lines);
    const result = await verifyWith();
    expect(result.problems[0]).toEqual({ subject: 'audit.jsonl line 4', reason: 'hash does not match the content (line edited)' });
  });

  it('an audit line deleted: names the line where the chain breaks', async () => {
    await signed();
    const lines = await auditLines();
    lines.splice(2, 1);
    await saveAudit(lines);
    expect((await verifyWith()).problems[0]).toMatchObject({ subject: 'audit.jsonl line 3', reason: expect.stringContaining('removed, reordered or inserted') });
  });

  it('two audit lines swapped: names the first of them', async () => {
    await signed();
    const lines = await auditLines();
    [lines[1], lines[2]] = [lines[2]!, lines[1]!];
    await saveAudit(lines);
    expect((await verifyWith()).problems[0]).toMatchObject({ subject: 'audit.jsonl line 2', reason: expect.stringContaining('removed, reordered or inserted') });
  });

  it('the last audit line cut: names the missing line (the chain alone cannot see it)', async () => {
    await signed();
    await saveAudit((await auditLines()).slice(0, -1));
    expect((await verifyWith()).problems[0]).toMatchObject({ subject: 'audit.jsonl line 6', reason: expect.stringContaining('lines cut from the end') });
  });

  it('a line appended after signing is named', async () => {
    await signed();
    const audit = await FileAuditLog.open(auditPath(), { runId: 'later' });
    await audit.record({ action: 'backup.read', subject: 'x' });
    expect((await verifyWith()).problems[0]).toMatchObject({ subject: 'audit.jsonl line 7', reason: expect.stringContaining('appended after signing') });
  });

  it('a chain rewritten and re-hashed from scratch is caught by the signed head hash', async () => {
    await signed();
    const entries = (await auditLines()).map((l) => JSON.parse(l) as AuditEntry);
    entries[3]!.subject = 'nothing-happened';
    let prev = '0'.repeat(64);
    const rewritten = entries.map(({ hash: _old, ...body }) => {
      const hash = hashEntry({ ...body, prevHash: prev });
      const line = JSON.stringify({ ...body, prevHash: prev, hash });
      prev = hash;
      return line;
    });
    await saveAudit(rewritten);
    const result = await verifyWith();
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ subject: 'audit.jsonl', reason: expect.stringContaining('rewritten and re-hashed') });
  });

  it('a run signed with another key fails, naming both fingerprints', async () => {
    await signed();
    const other = join(dir, 'keys', 'other.key');
    const made = await createSigningKey(other);
    const result = await verifyWith(made.publicPath);
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({ subject: 'evidence.json', reason: expect.stringContaining(`not by the given public key ${made.fingerprint}`) });
  });

  it('evidence.json edited (a failed run made to look passed): the signature fails', async () => {
    await signed();
    const evidence = JSON.parse(await readFile(join(run, 'evidence.json'), 'utf8')) as Evidence;
    await writeFile(join(run, 'evidence.json'), JSON.stringify({ ...evidence, verdict: 'passed' }));
    expect((await verifyWith()).problems).toEqual([{ subject: 'evidence.json', reason: 'the signature does not match its content (evidence.json was changed after signing)' }]);
  });

  it('files deleted or added after signing are named', async () => {
    await signed();
    await rm(join(run, 'secret-wipe', 'state-diff.json'));
    await writeFile(join(run, 'secret-wipe', 'note.txt'), 'added later\n');
    expect((await verifyWith()).problems).toEqual([
      { subject: 'secret-wipe/state-diff.json', reason: 'missing (deleted after signing)' },
      { subject: 'secret-wipe/note.txt', reason: 'not covered by the evidence (added after signing)' },
    ]);
  });

  it('refuses to sign a folder whose audit chain is already broken, or that lacks a report', async () => {
    await finishedRun();
    const lines = await auditLines();
    await saveAudit([lines[0]!, lines[2]!]);
    await expect(writeEvidence(run, runResultsFixture(), await readSigningKey(keyPath))).rejects.toMatchObject({ code: 'E_EVIDENCE', message: expect.stringContaining('broken at line 2') });
    await rm(join(run, 'junit.xml'));
    await expect(writeEvidence(run, runResultsFixture(), await readSigningKey(keyPath))).rejects.toMatchObject({ code: 'E_EVIDENCE', message: expect.stringContaining('junit.xml is missing') });
  });

  it('a folder without evidence.json, or with a damaged one, is bad input (E_EVIDENCE)', async () => {
    await finishedRun();
    await expect(verifyWith()).rejects.toMatchObject({ code: 'E_EVIDENCE', message: expect.stringContaining('evidence.json does not exist') });
    await writeFile(join(run, 'evidence.json'), '{"kind":"Other"}');
    await expect(verifyWith()).rejects.toMatchObject({ code: 'E_EVIDENCE', message: expect.stringContaining('not kdrill evidence format 1') });
  });
});
