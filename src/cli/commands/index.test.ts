import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliEnv } from '../main.js';
import { requestedCommand } from '../main.js';
import { COMMANDS, commandName } from './index.js';

const env: CliEnv = { logger: () => { throw new Error('not used'); }, stdout: () => undefined };
const signature = (c: Command) => [c.name(), ...c.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`))].join(' ');

describe('command table', () => {
  it('lists each command as its module registers it: same name, arguments and description', async () => {
    const program = new Command('kdrill');
    const modules = new Set(await Promise.all(COMMANDS.map((c) => c.load())));
    for (const module of modules) module.register(program, env);
    const registered = new Map(program.commands.map((c) => [c.name(), c]));
    expect([...registered.keys()].sort()).toEqual(COMMANDS.map(commandName).sort());
    for (const entry of COMMANDS) {
      const command = registered.get(commandName(entry))!;
      expect({ command: signature(command), describe: command.description() }).toEqual({ command: entry.command, describe: entry.describe });
    }
  });

  it('finds the command in argv after global options, and the topic of `help`', () => {
    expect(requestedCommand(['--json', '-v', 'run', 'drills/smoke.yaml'])).toBe('run');
    expect(requestedCommand(['help', 'cluster'])).toBe('cluster');
    expect(requestedCommand(['--version'])).toBeUndefined();
  });
});
