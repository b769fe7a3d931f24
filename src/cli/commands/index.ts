import type { CommandModule } from '../main.js';

/** Every top-level command, in `kdrill --help` order. Adding a command = one file + one line here. */
export const COMMANDS: CommandModule[] = [];
