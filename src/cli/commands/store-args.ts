import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { KdrillError, isKdrillError } from '../../core/errors.js';
import { LocalKeyProvider, assertKeyOutsideStore, defaultKeyFile } from '../../crypto/local-kms.js';
import { createKeyProvider } from '../../crypto/registry.js';
import type { KeyProvider } from '../../crypto/types.js';
import { type StoreSpec, openStore } from '../../store/registry.js';
import type { RewrappableStore } from '../../store/rewrap.js';
import type { AuditLog } from '../../audit/audit-log.js';

/** Flags that name a store: the scenario's `backup.store`, spelled on the command line. */
export interface StoreFlags {
  store?: string;
  storeOption?: string[];
  storeConfig?: string;
}

/** Flags that name the key-encryption key: the scenario's `backup.kms`, spelled on the command line. */
export interface KeyFlags {
  keyFile?: string;
  kms?: string;
  kmsOption?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const STORE_HELP = `
Stores: --store DIR (a local folder) or --store s3://BUCKET/PREFIX with --store-option endpoint=URL,
region=R, forcePathStyle=true, objectLock.mode=GOVERNANCE, objectLock.days=30 (repeatable), or
--store-config FILE holding a scenario's backup.store ({type, path, options}). S3 credentials come from
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE.
Keys: --key-file FILE (local, the default: $KDRILL_KEY_FILE or ~/.config/kdrill/key.json), or
--kms aws-kms --kms-option keyId=alias/backups [--kms-option endpoint=URL], --kms vault-transit --kms-option key=NAME.`;

/** Adds --store, --store-option and --store-config (`required`: a store must be named one way or the other). */
export function storeOptions(cmd: Command): Command {
  return cmd
    .option('--store <dir|s3-url>', 'backup store: a local directory or s3://bucket/prefix')
    .option('--store-option <key=value>', 'store option, e.g. endpoint=http://127.0.0.1:7070 (repeatable)', collect)
    .option('--store-config <file>', "YAML/JSON file with a scenario's backup.store ({type, path, options})")
    .addHelpText('after', STORE_HELP);
}

/** Adds --key-file, --kms and --kms-option. */
export function keyOptions(cmd: Command): Command {
  return cmd
    .option('--key-file <path>', 'local key file (default $KDRILL_KEY_FILE or ~/.config/kdrill/key.json)')
    .option('--kms <provider>', 'KMS provider: local (default), aws-kms, vault-transit')
    .option('--kms-option <key=value>', 'KMS provider option, e.g. keyId=alias/backups (repeatable)', collect);
}

/** The store spec the flags describe; every mistake is E_STORE_FLAG naming the flag. */
export function storeSpecFromFlags(flags: StoreFlags): { spec: StoreSpec; baseDir: string } {
  if (flags.storeConfig && flags.store) throw flagError('give either --store or --store-config, not both', 'a store config file holds the path (or s3:// URL) itself');
  const extra = keyValues(flags.storeOption ?? [], '--store-option', 'E_STORE_FLAG');
  if (flags.storeConfig) {
    const file = resolve(flags.storeConfig);
    const spec = readConfig(file);
    return { spec: { ...spec, options: { ...(spec.options ?? {}), ...extra } }, baseDir: dirname(file) };
  }
  if (!flags.store) throw flagError('no store given', 'pass --store DIR, --store s3://BUCKET/PREFIX or --store-config FILE');
  const type = flags.store.startsWith('s3://') ? 's3' : 'local';
  return { spec: { type, path: flags.store, ...(Object.keys(extra).length ? { options: extra } : {}) }, baseDir: process.cwd() };
}

/** Opens the store the flags name with `keys`; option mistakes become E_STORE_FLAG with the CLI's own hint. */
export function openStoreFromFlags(flags: StoreFlags, keys: KeyProvider, audit?: AuditLog): RewrappableStore {
  const { spec, baseDir } = storeSpecFromFlags(flags);
  try {
    return openStore(spec, keys, { baseDir, ...(audit ? { audit } : {}) });
  } catch (error) {
    if (isKdrillError(error) && error.code === 'E_SCENARIO_INVALID') {
      throw flagError(error.message, `${error.hint ?? ''}; set them with --store-option KEY=VALUE or in --store-config`.replace(/^; /, ''));
    }
    throw error;
  }
}

/** The key provider the flags name; a local key file inside a local store is refused (E_KEY). */
export async function keysFromFlags(flags: KeyFlags & StoreFlags): Promise<KeyProvider> {
  const provider = flags.kms ?? 'local';
  const options = keyValues(flags.kmsOption ?? [], '--kms-option', 'E_KMS_FLAG');
  if (provider !== 'local') {
    if (flags.keyFile) throw new KdrillError('E_KMS_FLAG', `--key-file is for the local KMS provider, not ${provider}`, { hint: 'drop --key-file, or use --kms local' });
    return createKeyProvider(provider, options, { baseDir: process.cwd() }).catch((error: unknown) => {
      if (!isKdrillError(error) || error.code !== 'E_SCENARIO_INVALID') throw error;
      throw new KdrillError('E_KMS_FLAG', `--kms ${provider}: ${error.message}`, { hint: `${error.hint ?? ''}; set them with --kms-option KEY=VALUE`.replace(/^; /, '') });
    });
  }
  const keyFile = resolve(flags.keyFile ?? (options.keyFile as string | undefined) ?? defaultKeyFile());
  const store = localStoreDir(flags);
  if (store) assertKeyOutsideStore(keyFile, store);
  return LocalKeyProvider.fromFile(keyFile);
}

/** For commands that only list manifests: any attempt to use a key is a bug, reported as E_KEY. */
export const noKeys: KeyProvider = {
  id: 'none',
  describe: () => 'no key (manifest only)',
  wrap: async () => {
    throw new KdrillError('E_KEY', 'this command does not use a key', { hint: 'pass --key-file or --kms' });
  },
  unwrap: async () => {
    throw new KdrillError('E_KEY', 'this command does not use a key', { hint: 'pass --key-file or --kms' });
  },
};

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Rows as left-aligned columns (the last column is not padded). */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

function localStoreDir(flags: StoreFlags): string | undefined {
  if (!flags.store && !flags.storeConfig) return undefined;
  const { spec, baseDir } = storeSpecFromFlags(flags);
  return spec.type === 'local' && spec.path ? resolve(baseDir, spec.path) : undefined;
}

/** `a=1`, `objectLock.days=7` → { a: 1, objectLock: { days: 7 } }; values are YAML scalars (true, 7, text). */
function keyValues(pairs: string[], flag: string, code: 'E_STORE_FLAG' | 'E_KMS_FLAG'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const match = /^([A-Za-z][\w.]*)=(.*)$/s.exec(pair);
    if (!match) throw new KdrillError(code, `${flag} ${JSON.stringify(pair)} is not KEY=VALUE`, { hint: `e.g. ${flag} endpoint=http://127.0.0.1:7070` });
    const path = match[1]!.split('.');
    let node = out;
    for (const part of path.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[path.at(-1)!] = scalar(match[2]!);
  }
  return out;
}

function scalar(text: string): unknown {
  try {
    const value: unknown = parse(text);
    return value === null || typeof value === 'object' ? text : value;
  } catch {
    return text;
  }
}

function readConfig(file: string): StoreSpec {
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0];
    throw flagError(`--store-config ${file} cannot be read: ${why}`, 'give a YAML/JSON file like {type: s3, path: s3://bucket/prefix, options: {endpoint: ...}}');
  }
  const spec = data as Partial<StoreSpec> | null;
  if (!spec || (spec.type !== 'local' && spec.type !== 's3')) {
    throw flagError(`--store-config ${file}: type must be local or s3`, 'write it as a scenario writes backup.store: {type, path, options}');
  }
  return spec as StoreSpec;
}

function flagError(message: string, hint: string): KdrillError {
  return new KdrillError('E_STORE_FLAG', message, { hint });
}
