import { KdrillError } from '../core/errors.js';
import type { BackupManifest } from './types.js';

/**
 * Artifacts that carry secrets by their name, whatever strategy wrote them: etcd-snapshot's `material/*` (encryption
 * config, service-account and CA keys) and resource-export's core Secrets (`resources/core/<version>/secrets.json`).
 * Kinds sealed through resource-export `sealKinds` are checked against index.json by `assertSealedAsDeclared`.
 */
const MUST_BE_SEALED: RegExp[] = [/^material\//, /^resources\/core\/[^/]+\/secrets\.json$/];

/** True when an artifact of this name may only be stored sealed. */
export function mustBeSealed(name: string): boolean {
  return MUST_BE_SEALED.some((pattern) => pattern.test(name));
}

/** Writer side: refuses to store a secret-bearing artifact in plaintext (E_STORE). */
export function assertSealOnWrite(name: string, sealed: boolean): void {
  if (sealed || !mustBeSealed(name)) return;
  throw new KdrillError('E_STORE', `artifact ${name} holds secrets and must be stored sealed`, { hint: 'store it with { sealed: true }' });
}

/** Reader side: a manifest listing a secret-bearing artifact as unsealed is refused before anything is read. */
export function assertSealPolicy(manifest: BackupManifest): void {
  assertSealedAsDeclared(manifest, manifest.artifacts.filter((a) => mustBeSealed(a.name)).map((a) => a.name));
}

/** Throws E_BACKUP_CORRUPT when a named artifact is listed unsealed (also for the names a strategy declares sealed). */
export function assertSealedAsDeclared(manifest: BackupManifest, names: Iterable<string>): void {
  const plain = [...names].filter((name) => manifest.artifacts.find((a) => a.name === name)?.sealed === false);
  if (plain.length === 0) return;
  throw new KdrillError('E_BACKUP_CORRUPT', `backup ${manifest.id} lists secret-bearing artifacts as unsealed: ${plain.slice(0, 5).join(', ')}${plain.length > 5 ? ', ...' : ''}`, {
    hint: 'kdrill never stores these in plaintext: the backup was forged or damaged; restore from another backup',
  });
}
