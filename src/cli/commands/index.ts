import type { CommandModule } from '../main.js';

/** One top-level command as `kdrill --help` lists it, and how to load its implementation. */
export interface CommandEntry {
  /** Name and arguments, as commander's `program.command()` takes them: 'run <files...>'. */
  command: string;
  /** One line for `kdrill --help`; must equal the description the module registers (a unit test compares them). */
  describe: string;
  /** Imports the module that registers the command: only done when this command runs. */
  load: () => Promise<CommandModule>;
}

/**
 * Every top-level command, in `kdrill --help` order. Adding a command = one file + one entry here.
 *
 * Keep this file free of static imports of command modules: `kdrill --help`, `--version` and every other command
 * must not pay for a command's dependencies (client-node, the AWS SDK, the engine). main() loads only the module of
 * the command being run and lists the others from `command` and `describe`. Inside a command module, import heavy
 * libraries in the action (`await import(...)`) when only one subcommand needs them.
 */
export const COMMANDS: CommandEntry[] = [
  { command: 'run <files...>', describe: 'run scenarios or drills: back up, break, restore, verify, and write reports', load: async () => (await import('./run.js')).runCommand },
  { command: 'list [section]', describe: 'list built-in scenarios, providers, strategies, chaos steps, checks and KMS providers', load: async () => (await import('./list.js')).listCommand },
  { command: 'backup', describe: 'back up a cluster with a strategy into a store', load: async () => (await import('./backup-restore.js')).backupRestoreCommands },
  { command: 'restore <backup-id>', describe: 'restore a backup from a store into a cluster', load: async () => (await import('./backup-restore.js')).backupRestoreCommands },
  { command: 'cluster', describe: 'start, stop and list local clusters (etcd + kube-apiserver + kube-controller-manager on loopback)', load: async () => (await import('./cluster.js')).clusterCommand },
  { command: 'report <results>', describe: 're-render the JUnit and Markdown reports from a results.json', load: async () => (await import('./report.js')).reportCommand },
  { command: 'validate <files...>', describe: 'check scenario and drill files without running anything', load: async () => (await import('./validate.js')).validateCommand },
  { command: 'keys', describe: 'create, rotate and re-wrap with local key files (never prints key material)', load: async () => (await import('./keys.js')).keysCommand },
  { command: 'backups', describe: 'list, show, verify and prune backups in a store', load: async () => (await import('./backups.js')).backupsCommand },
  { command: 'drift', describe: 'compare a live cluster with a backup: CRDs, effective RBAC, Secrets (hashed) and every other object', load: async () => (await import('./drift.js')).driftCommand },
  { command: 'evidence', describe: 'check signed drill evidence (runs made with kdrill run --sign)', load: async () => (await import('./evidence.js')).evidenceCommand },
];

/** The command name of an entry ('run' for 'run <files...>'). */
export function commandName(entry: CommandEntry): string {
  return entry.command.split(' ')[0]!;
}
