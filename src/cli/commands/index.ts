import type { CommandModule } from '../main.js';
import { backupsCommand } from './backups.js';
import { clusterCommand } from './cluster.js';
import { driftCommand } from './drift.js';
import { runCommand } from './run.js';
import { backupRestoreCommands } from './backup-restore.js';
import { listCommand } from './list.js';
import { keysCommand } from './keys.js';
import { reportCommand } from './report.js';
import { validateCommand } from './validate.js';
import { evidenceCommand } from './evidence.js';

/** Every top-level command, in `kdrill --help` order. Adding a command = one file + one line here. */
export const COMMANDS: CommandModule[] = [
  runCommand,
  listCommand,
  backupRestoreCommands,
  clusterCommand,
  reportCommand,
  validateCommand,
  keysCommand,
  backupsCommand,
  driftCommand,
  evidenceCommand,
];
