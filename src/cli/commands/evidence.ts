import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliEnv, CommandModule, GlobalOptions } from '../main.js';
import { verifyEvidence, type EvidenceVerification } from '../../audit/evidence.js';
import { readPublicKey } from '../../audit/signing-key.js';

const HELP = `
Exit codes: 0 verified, 1 something does not match (the first mismatch is named), 2 bad input (no evidence.json,
unreadable or non-Ed25519 public key).

Examples:
  $ kdrill evidence verify reports/20261125T123051Z-5f2fa9 --public-key signing.key.pub
  $ kdrill --json evidence verify reports/nightly --public-key /etc/kdrill/drills.pub

What is proven and what is not: docs/evidence.md.`;

/** `kdrill evidence verify`: the auditor's side of `kdrill run --sign`. */
export const evidenceCommand: CommandModule = {
  register(program: Command, env: CliEnv) {
    const evidence = program.command('evidence').description('check signed drill evidence (runs made with kdrill run --sign)').addHelpText('after', HELP);
    evidence
      .command('verify')
      .description('re-hash a report folder, check its signature and walk its audit chain')
      .argument('<report-dir>', 'the run folder that holds evidence.json')
      .requiredOption('--public-key <file>', 'the signer\'s public key (PEM), obtained from its owner, not from the folder')
      .addHelpText('after', HELP)
      .action(async (dir: string, opts: { publicKey: string }, cmd: Command) => {
        const result = await verifyEvidence(resolve(dir), await readPublicKey(opts.publicKey));
        env.stdout(cmd.optsWithGlobals<GlobalOptions>().json ? JSON.stringify(asJson(result)) : describe(result).join('\n'));
        process.exitCode = result.ok ? 0 : 1;
      });
  },
};

function describe(r: EvidenceVerification): string[] {
  const e = r.evidence;
  const head = `run ${e.runId} (${e.verdict}, kdrill ${e.kdrillVersion}), signed ${e.signedAt} by ${e.signer?.publicKeyFingerprint}`;
  if (r.ok) {
    return [
      head,
      `✓ signature matches the given public key`,
      `✓ ${e.audit.path}: ${r.auditLines} lines, chain intact, head ${e.audit.headHash.slice(0, 16)}…`,
      `✓ ${r.filesChecked} files match (${e.files.slice(0, 4).map((f) => f.path).join(', ')}${e.files.length > 4 ? ', …' : ''})`,
      `✓ backups: ${e.backups.map((b) => `${b.id} (rootHash ${b.rootHash?.slice(0, 16) ?? 'unknown'}…)`).join(', ') || 'none'}`,
      'VERIFIED',
    ];
  }
  const first = r.problems[0]!;
  return [head, ...r.problems.map((p) => `✗ ${p.subject}: ${p.reason}`), `NOT VERIFIED: ${r.problems.length} problem(s); first: ${first.subject}`];
}

function asJson(r: EvidenceVerification) {
  const e = r.evidence;
  return { ok: r.ok, runId: e.runId, signer: e.signer?.publicKeyFingerprint, firstMismatch: r.problems[0]?.subject, problems: r.problems, files: r.filesChecked, auditLines: r.auditLines, backups: e.backups };
}
