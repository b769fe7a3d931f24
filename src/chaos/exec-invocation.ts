import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { DurationOption, invalidOption } from './options.js';

const ID = 'exec';

/** Options of the exec step. */
export const ExecOptions = Type.Object(
  {
    command: Type.Optional(
      Type.Union([Type.Array(Type.String(), { minItems: 1 }), Type.String({ minLength: 1 })], {
        description: 'argv array (no shell), or a shell string with shell: true',
      }),
    ),
    shell: Type.Optional(Type.Boolean({ default: false, description: 'Run `command` (a string) through /bin/sh' })),
    script: Type.Optional(Type.String({ minLength: 1, description: 'A zx script to run, relative to the scenario file' })),
    args: Type.Optional(Type.Array(Type.String(), { description: 'Arguments passed to the zx script' })),
    cwd: Type.Optional(Type.String({ minLength: 1, description: 'Working directory, relative to the scenario file (default: its folder)' })),
    env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Extra environment variables' })),
    timeout: Type.Optional(DurationOption('Kill the command (its whole process group) after this long', '5m')),
  },
  { additionalProperties: false },
);

export type ExecOptions = Static<typeof ExecOptions>;

/** What to spawn, and how to show it in messages. */
export interface Invocation {
  file: string;
  args: string[];
  shell: boolean;
  cwd: string;
  display: string;
}

/** Turns the options into a spawnable invocation; every misuse is E_SCENARIO_INVALID naming the fix. */
export function buildInvocation(o: ExecOptions, scenarioDir: string, zxCli: string = defaultZxCli()): Invocation {
  const cwd = o.cwd ? resolve(scenarioDir, o.cwd) : scenarioDir;
  if ((o.command === undefined) === (o.script === undefined)) throw invalidOption(ID, 'set exactly one of command and script');
  if (o.script !== undefined) {
    if (o.shell) throw invalidOption(ID, 'shell does not apply to a zx script');
    const script = isAbsolute(o.script) ? o.script : resolve(scenarioDir, o.script);
    return { file: process.execPath, args: [zxCli, script, ...(o.args ?? [])], shell: false, cwd, display: ['zx', o.script, ...(o.args ?? [])].map(quote).join(' ') };
  }
  if (o.args) throw invalidOption(ID, 'args only apply to script; put arguments in the command array');
  if (typeof o.command === 'string') {
    if (!o.shell) throw invalidOption(ID, 'a string command needs shell: true', 'write the command as an argv array (["kubectl", "delete", ...]) or set shell: true');
    return { file: o.command, args: [], shell: true, cwd, display: o.command };
  }
  if (o.shell) throw invalidOption(ID, 'shell: true takes a string command, not an argv array', 'write the command as one string, or drop shell: true');
  const [file, ...args] = o.command!;
  return { file: file!, args, shell: false, cwd, display: o.command!.map(quote).join(' ') };
}

/** The zx CLI of kdrill's own dependency, run with the current node. */
export function defaultZxCli(): string {
  return fileURLToPath(import.meta.resolve('zx/cli'));
}

/** The last `count` non-empty lines of an output stream. */
export function lastLines(text: string, count: number): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean)
    .slice(-count);
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
