import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KdrillError } from '../../core/errors.js';

/** Where tools/build-velero.sh puts velero and its AWS plugin. */
export function veleroDir(binDir?: string): string {
  return binDir ?? process.env.KDRILL_VELERO_DIR ?? join(process.env.KDRILL_TEST_BIN ?? join(homedir(), '.cache', 'kdrill', 'test-bin'), 'velero');
}

export interface VeleroBinaries {
  velero: string;
  pluginDir: string;
}

/** Why Velero cannot run here (missing binaries), or undefined. */
export function veleroMissing(binDir?: string): string | undefined {
  const dir = veleroDir(binDir);
  const missing = [join(dir, 'velero'), join(dir, 'plugins', 'velero-plugin-for-aws')].filter((p) => !existsSync(p));
  return missing.length ? `Velero is not installed: ${missing.join(', ')} not found (build it with \`bash tools/build-velero.sh\`)` : undefined;
}

export function veleroBinaries(binDir?: string): VeleroBinaries {
  const why = veleroMissing(binDir);
  if (why) throw new KdrillError('E_BINARY_MISSING', why, { hint: 'bash tools/build-velero.sh (Go and the Go module proxy), or set strategy option binDir / $KDRILL_VELERO_DIR' });
  const dir = veleroDir(binDir);
  return { velero: join(dir, 'velero'), pluginDir: join(dir, 'plugins') };
}

/** The S3 server kdrill runs for a self-contained Velero drill when no s3Url is given. */
export function versitygwBinary(): string | undefined {
  const path = join(process.env.KDRILL_TEST_BIN ?? join(homedir(), '.cache', 'kdrill', 'test-bin'), 'versitygw');
  return existsSync(path) ? path : undefined;
}
