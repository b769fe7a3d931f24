import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { parseCheckOptions } from './check-support.js';
import type { Check, CheckOutcome, DrillContext } from '../contracts/types.js';
import { capList } from './diff/render.js';
import { canaryNeedles } from './scan/needles.js';
import { collectFiles, scanFiles, type ScanReport } from './scan/scan-files.js';

const Options = Type.Object(
  {
    paths: Type.Optional(Type.Array(Type.String(), { description: 'More files or directories to scan (relative to the scenario file)' })),
    includeStore: Type.Optional(Type.Boolean({ description: 'Scan the backup store directory when the store is local (default true)' })),
    includeArtifacts: Type.Optional(Type.Boolean({ description: "Scan the scenario's output dir (as it is during verify), the audit log and kdrill.log (default true)" })),
    chunkSize: Type.Optional(Type.Integer({ minimum: 64, description: 'Read size in bytes (default 1 MiB)' })),
    maxListed: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
type Options = Static<typeof Options>;

/** No seeded canary, nor its base64 or base64url form, appears in the local backup store, the scenario's output dir, the audit log or kdrill.log. */
export const noPlaintextSecrets: Check = {
  id: 'no-plaintext-secrets',
  description: "Seeded canary values (plain, base64, base64url) appear nowhere in the backup store, the scenario's output dir, the audit log or kdrill's log",
  optionsSchema: Options,
  async verify(ctx, options) {
    const opts = parseCheckOptions('no-plaintext-secrets', Options, options);
    const { needles, tooShort } = canaryNeedles(ctx.canaries);
    if (needles.length === 0) {
      return {
        status: 'skipped',
        summary: ctx.canaries.length ? 'every canary is too short to search for (6 bytes minimum)' : 'no canaries were seeded',
        recommendation: 'seed Secrets with canary values in the scenario fixtures so the scan has something to find',
      };
    }
    const { roots, notes } = scanRoots(ctx, opts);
    const { files, missing } = await collectFiles(roots);
    const report = await scanFiles(files, needles, opts.chunkSize);
    report.missing = missing;
    return outcome(report, { canaries: ctx.canaries.length, tooShort: tooShort.length, roots, notes }, opts.maxListed ?? 50);
  },
};

/** The places to scan: the local store, the scenario's output dir, the audit log, kdrill.log and the scenario's extra paths. */
export function scanRoots(ctx: Pick<DrillContext, 'store' | 'artifactsDir' | 'audit' | 'scenarioDir'> & Partial<Pick<DrillContext, 'facts'>>, opts: Options): { roots: string[]; notes: string[] } {
  const roots: string[] = [];
  const notes: string[] = [];
  if (opts.includeStore !== false) {
    const where = ctx.store.describe();
    if (ctx.store.type === 'local') roots.push(where.startsWith('file:') ? fileURLToPath(where) : where);
    else notes.push(`store ${where} is remote (${ctx.store.type}): not scanned; add a local copy to paths to scan it`);
  }
  if (opts.includeArtifacts !== false) {
    roots.push(ctx.artifactsDir);
    if (ctx.audit.path) roots.push(ctx.audit.path);
    // kdrill's own log files (the engine records where `kdrill run` writes them).
    const logs = ctx.facts?.get('run.logFiles');
    if (Array.isArray(logs)) roots.push(...logs.filter((l): l is string => typeof l === 'string'));
  }
  for (const p of opts.paths ?? []) roots.push(isAbsolute(p) ? p : resolve(ctx.scenarioDir, p));
  return { roots: [...new Set(roots)], notes };
}

interface ScanFacts {
  canaries: number;
  tooShort: number;
  roots: string[];
  notes: string[];
}

/** Fails on any hit (file, byte offset, canary number and form; never the value); passes with what was scanned. */
export function outcome(report: ScanReport, facts: ScanFacts, max: number): CheckOutcome {
  const hits = report.hits.map((h) => ({ file: h.file, offset: h.offset, canary: `#${h.canary + 1}`, form: h.form, ...(h.encoding ? { encoding: h.encoding } : {}) }));
  const evidence = {
    scanned: { files: report.files, bytes: report.bytes, canaries: facts.canaries, canariesTooShort: facts.tooShort },
    roots: facts.roots,
    missingRoots: report.missing,
    unreadable: report.unreadable,
    notes: facts.notes,
    hits: capList(hits, max),
  };
  if (report.files === 0) {
    return { status: 'skipped', summary: `nothing to scan: no files under ${facts.roots.join(', ') || '(no paths)'}`, evidence };
  }
  if (hits.length === 0) {
    const summary = `no canary found in ${report.files} files (${report.bytes} bytes) for ${facts.canaries} canaries`;
    return { status: 'passed', summary, evidence };
  }
  const files = [...new Set(hits.map((h) => h.file))];
  return {
    status: 'failed',
    summary: `${hits.length} canary hit(s) in ${files.length} file(s), first in ${files[0]} at byte ${hits[0]!.offset} (${hits[0]!.form})`,
    evidence,
    recommendation: 'secret values reach disk unencrypted: seal the backup (etcd-snapshot sealSnapshot: true; resource-export sealKinds for kinds that hold secrets besides Secrets), and keep Secret data out of logs (redact)',
  };
}
