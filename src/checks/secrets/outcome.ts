import type { CheckOutcome } from '../../contracts/types.js';
import { capped } from '../check-support.js';
import type { SecretComparison } from './digests.js';
import type { TokenProbe } from './tokens.js';

/** Everything secret-injection found after the restore: names and reasons only, never values or tokens. */
export interface SecretFindings {
  comparison: SecretComparison;
  references: number;
  /** Descriptions of references that do not resolve now but did at baseline (failures). */
  unresolved: string[];
  /** References that did not resolve at baseline either (warnings: not the restore's doing). */
  preExistingUnresolved: string[];
  tlsChecked: number;
  /** `ns/name: problem` new since baseline (failures), and those already there (warnings). */
  tlsProblems: string[];
  preExistingTlsProblems: string[];
  tlsExpiry: Record<string, number>;
  tokens: TokenProbe[];
}

const MAX = 25;

/** Pass only when every Secret, key, value, reference, TLS pair and token probe is as it was at baseline. */
export function secretOutcome(f: SecretFindings): CheckOutcome {
  const c = f.comparison;
  const failedTokens = f.tokens.filter((t) => !t.ok);
  const counts: [number, string][] = [
    [c.missingSecrets.length, 'Secrets missing'],
    [c.missingKeys.length, 'keys missing'],
    [c.changedKeys.length, 'values changed'],
    [c.addedKeys.length, 'keys added'],
    [f.unresolved.length, 'references unresolved'],
    [f.tlsProblems.length, 'TLS problems'],
    [failedTokens.length, 'token probes failed'],
  ];
  const problems = counts.filter(([n]) => n > 0);
  const evidence = {
    secrets: { compared: c.compared, missing: capped(c.missingSecrets, MAX), missingKeys: capped(c.missingKeys, MAX), changedKeys: capped(c.changedKeys, MAX), addedKeys: capped(c.addedKeys, MAX) },
    references: { checked: f.references, unresolved: capped(f.unresolved, MAX), preExistingUnresolved: capped(f.preExistingUnresolved, MAX) },
    tls: { checked: f.tlsChecked, problems: capped(f.tlsProblems, MAX), preExistingProblems: capped(f.preExistingTlsProblems, MAX), daysLeft: f.tlsExpiry },
    tokens: { probed: f.tokens.length, accepted: f.tokens.length - failedTokens.length, results: f.tokens },
  };
  if (problems.length === 0) {
    const summary = `${c.compared} Secrets intact, ${f.references} references resolve, ${f.tlsChecked} TLS Secrets valid, ${f.tokens.length}/${f.tokens.length} service-account tokens accepted`;
    return { status: 'passed', summary, evidence };
  }
  return {
    status: 'failed',
    summary: problems.map(([n, what]) => `${n} ${what}`).join(', '),
    evidence,
    recommendation: recommend(f, failedTokens.length),
  };
}

function recommend(f: SecretFindings, failedTokens: number): string {
  const c = f.comparison;
  const advice: string[] = [];
  if (c.missingSecrets.length || c.missingKeys.length) advice.push('the backup missed Secrets or keys: check the strategy includes Secrets of these namespaces and that nothing filters data keys');
  if (c.changedKeys.length || c.addedKeys.length) advice.push('restored values differ from the baseline: the backup is older than the baseline, or a controller rewrote them after the restore (re-run the drill with that controller stopped to tell which)');
  if (f.unresolved.length) advice.push('workloads name Secrets or keys the restore did not bring back: restore Secrets before workloads, and the Secrets they reference together with them');
  if (f.tlsProblems.length) advice.push('a TLS Secret no longer holds a matching, current certificate and key: restore tls.crt and tls.key from the same backup');
  if (failedTokens) advice.push('the restored apiserver cannot issue or authenticate a new ServiceAccount token: recreate ServiceAccounts before issuing tokens, and make sure its signing key matches its verification keys (--service-account-key-file); the probe uses new tokens, so it cannot tell whether tokens issued before the restore still work');
  return advice.join('; ');
}
