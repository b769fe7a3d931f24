import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearSensitive, registerSensitive } from '../core/redact.js';
import { FileAuditLog, GENESIS_HASH, canonicalJson, hashEntry, verifyAuditLog, type AuditEntry } from './audit-log.js';

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-audit-'));
  path = join(dir, 'audit', 'audit.jsonl');
});
afterEach(async () => {
  clearSensitive();
  await rm(dir, { recursive: true, force: true });
});

const clock = () => {
  let t = Date.parse('2025-03-01T12:00:00.000Z');
  return () => new Date((t += 1000));
};

async function writeFive(): Promise<string[]> {
  const log = await FileAuditLog.open(path, { runId: 'run-1', now: clock() });
  const subjects = ['a', 'b', 'c', 'd', 'e'];
  // Fired without awaiting each: the promise chain must keep them in order.
  await Promise.all(subjects.map((s) => log.record({ action: 'backup.write', subject: `artifact-${s}`, details: { n: s } })));
  return (await readFile(path, 'utf8')).trimEnd().split('\n');
}

const lines = (text: string[]) => text.map((l) => JSON.parse(l) as AuditEntry);
const save = (text: string[]) => writeFile(path, text.join('\n') + '\n');

describe('FileAuditLog', () => {
  it('writes a hash chain in call order starting from the genesis hash', async () => {
    const entries = lines(await writeFive());
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries.map((e) => e.subject)).toEqual(['artifact-a', 'artifact-b', 'artifact-c', 'artifact-d', 'artifact-e']);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    expect(entries[0]!.time).toBe('2025-03-01T12:00:01.000Z');
    expect(entries[0]!.runId).toBe('run-1');
    const { hash, ...body } = entries[2]!;
    expect(hashEntry(body)).toBe(hash);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyAuditLog(path)).toEqual({ ok: true, entries: 5, lastHash: entries[4]!.hash });
  });

  it('continues the chain of an existing file', async () => {
    await writeFive();
    const log = await FileAuditLog.open(path, { runId: 'run-2' });
    await log.record({ action: 'restore.start', subject: 'backup-1' });
    const entries = lines((await readFile(path, 'utf8')).trimEnd().split('\n'));
    expect(entries[5]).toMatchObject({ seq: 6, runId: 'run-2', prevHash: entries[4]!.hash, details: {} });
    expect((await verifyAuditLog(path)).ok).toBe(true);
  });

  it('refuses to append to a tampered file', async () => {
    const text = await writeFive();
    await save([text[0]!, text[2]!, text[3]!]);
    await expect(FileAuditLog.open(path, { runId: 'x' })).rejects.toMatchObject({ code: 'E_STORE' });
  });

  it('redacts sensitive values in subject and details, at any depth', async () => {
    registerSensitive('s3cr3t-canary-value');
    const log = await FileAuditLog.open(path, { runId: 'r' });
    await log.record({ action: 'key.unwrap', subject: 'key s3cr3t-canary-value', details: { nested: ['x s3cr3t-canary-value'] } });
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('s3cr3t-canary-value');
    expect(text).not.toContain(Buffer.from('s3cr3t-canary-value').toString('base64'));
    expect(text).toContain('«redacted»');
    expect((await verifyAuditLog(path)).ok).toBe(true);
  });
});

describe('verifyAuditLog', () => {
  it('detects an edited line', async () => {
    const text = await writeFive();
    text[2] = text[2]!.replace('artifact-c', 'artifact-z');
    await save(text);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, entries: 2, brokenAt: 3, reason: expect.stringContaining('edited') });
  });

  it('detects an edited line whose hash was recomputed, at the next line', async () => {
    const entries = lines(await writeFive());
    const { hash: _old, ...body } = { ...entries[1]!, subject: 'forged' };
    const forged = { ...body, hash: hashEntry(body) };
    const text = entries.map((e) => JSON.stringify(e));
    text[1] = JSON.stringify(forged);
    await save(text);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, brokenAt: 3, reason: expect.stringContaining('prevHash') });
  });

  it('detects a removed line (middle and first)', async () => {
    const text = await writeFive();
    await save([text[0]!, text[1]!, text[3]!, text[4]!]);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, entries: 2, brokenAt: 3 });
    await save(text.slice(1));
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, entries: 0, brokenAt: 1 });
  });

  it('detects reordered lines', async () => {
    const text = await writeFive();
    await save([text[0]!, text[2]!, text[1]!, text[3]!, text[4]!]);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, brokenAt: 2, reason: expect.stringContaining('reordered') });
  });

  it('detects an inserted line, even one with a valid own hash', async () => {
    const entries = lines(await writeFive());
    const body = { ...entries[2]!, subject: 'inserted', prevHash: entries[1]!.hash } as Partial<AuditEntry>;
    delete body.hash;
    const inserted = { ...body, hash: hashEntry(body as Omit<AuditEntry, 'hash'>) };
    const text = entries.map((e) => JSON.stringify(e));
    text.splice(2, 0, JSON.stringify(inserted));
    await save(text);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, entries: 3, brokenAt: 4 });
  });

  it('reports garbage and a missing file without throwing', async () => {
    const text = await writeFive();
    await save([text[0]!, '{not json']);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, brokenAt: 2, reason: 'not a JSON line' });
    expect(await verifyAuditLog(join(dir, 'nope.jsonl'))).toEqual({ ok: false, entries: 0, reason: 'missing' });
  });

  it('hashes a canonical form independent of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[2,{"y":2,"z":1}]},"b":1}');
  });
});
