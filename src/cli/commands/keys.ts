import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createSigningKey, defaultSigningKeyPath } from '../../audit/signing-key.js';
import { createKeyFile, rotateKeyFile } from '../../crypto/local-kms.js';
import { rewrapBackup } from '../../store/rewrap.js';
import type { CliEnv, CommandModule } from '../main.js';
import { type KeyFlags, type StoreFlags, keyOptions, keysFromFlags, openStoreFromFlags, storeOptions } from './store-args.js';

const HELP = `
Examples:
  $ kdrill keys create --out ~/.config/kdrill/key.json
  $ kdrill keys rotate --key-file ~/.config/kdrill/key.json
  $ kdrill keys rewrap --store ./backups --key-file ~/.config/kdrill/key.json --all
  $ kdrill keys create --signing --out ~/.config/kdrill/signing.key   # Ed25519 pair for kdrill run --sign

Keep the key file outside the backup store and back it up separately: without it, sealed backups cannot be read.`;

/** `kdrill keys create|rotate|rewrap`: manage the local key file and move backups to its newest version. */
export const keysCommand: CommandModule = {
  register(program: Command, env: CliEnv) {
    const keys = program.command('keys').description('create, rotate and re-wrap with local key files (never prints key material)').addHelpText('after', HELP);

    keys
      .command('create')
      .description('write a new key file (mode 0600), or with --signing an Ed25519 evidence-signing key pair; refuses to overwrite')
      .option('--out <path>', 'where to write the key file (outside any backup store); with --signing default ~/.config/kdrill/signing.key')
      .option('--signing', 'an Ed25519 key pair for `kdrill run --sign` (private key at --out, public key at --out + .pub)')
      .addHelpText('after', '\nExamples:\n  $ kdrill keys create --out ~/.config/kdrill/key.json\n  $ kdrill keys create --signing --out ~/.config/kdrill/signing.key')
      .action(async (opts: { out?: string; signing?: boolean }, cmd: Command) => {
        if (opts.signing) {
          const made = await createSigningKey(resolve(opts.out ?? defaultSigningKeyPath()));
          env.stdout(`created signing key ${made.privatePath} (mode 0600, keep it private) and public key ${made.publicPath}`);
          env.stdout(`fingerprint ${made.fingerprint}: give the public key to your auditors; sign runs with kdrill run --sign ${made.privatePath}`);
          return;
        }
        if (!opts.out) cmd.error('kdrill keys create: --out <path> is required (or --signing for an evidence-signing key)');
        const info = await createKeyFile(opts.out!);
        env.stdout(`created ${info.path}: key ${info.keyId}, version ${info.primaryVersion}`);
      });

    keys
      .command('rotate')
      .description('add a new primary key version; old versions stay so existing backups still open')
      .requiredOption('--key-file <path>', 'the key file to rotate')
      .addHelpText('after', '\nExample:\n  $ kdrill keys rotate --key-file ~/.config/kdrill/key.json')
      .action(async (opts: { keyFile: string }) => {
        const info = await rotateKeyFile(opts.keyFile);
        env.stdout(`rotated ${info.path}: key ${info.keyId} now wraps with version ${info.primaryVersion} (versions kept: ${info.versions.join(', ')})`);
        env.stdout(`move existing backups to it with: kdrill keys rewrap --store DIR --key-file ${info.path} --all`);
      });

    keyOptions(storeOptions(keys.command('rewrap').description("re-wrap backups' data keys with the key's primary version (artifacts are not rewritten; the manifest MAC is re-computed)")))
      .option('--from-key-file <path>', 'local key file the backups are wrapped with now (default: the target key)')
      .option('--backup <id>', 'one backup')
      .option('--all', 'every backup in the store')
      .addHelpText('after', '\nExamples:\n  $ kdrill keys rewrap --store ./backups --key-file new.json --from-key-file old.json --backup 20261125T120000Z-ab12cd\n  $ kdrill keys rewrap --store ./backups --key-file key.json --all')
      .action(async (opts: StoreFlags & KeyFlags & { fromKeyFile?: string; backup?: string; all?: boolean }, cmd: Command) => {
        if (Boolean(opts.backup) === Boolean(opts.all)) cmd.error('kdrill keys rewrap: give exactly one of --backup ID or --all');
        const to = await keysFromFlags(opts);
        const from = opts.fromKeyFile ? await keysFromFlags({ ...opts, kms: 'local', kmsOption: [], keyFile: opts.fromKeyFile }) : to;
        const store = openStoreFromFlags(opts, to);
        const ids = opts.backup ? [opts.backup] : (await store.list()).map((s) => s.id);
        let failed = 0;
        for (const id of ids) {
          try {
            const result = await rewrapBackup(store, id, from, to);
            env.stdout(`${result.id}: re-wrapped ${result.from} -> ${result.to}`);
          } catch (error) {
            // With --all one bad backup must not stop the others; a single --backup fails the usual way (exit 2).
            if (!opts.all) throw error;
            failed += 1;
            env.stdout(`${id}: FAILED ${(error as Error).message}`);
          }
        }
        if (opts.all) env.stdout(`${ids.length - failed} of ${ids.length} backups processed${failed ? `, ${failed} failed` : ''}`);
        if (failed) process.exitCode = 1;
      });
  },
};
