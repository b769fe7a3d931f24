import { readdir } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse } from 'yaml';
import type { CliEnv, CommandModule } from '../main.js';
import { PROVIDERS } from '../../providers/registry.js';
import { STRATEGIES } from '../../strategies/registry.js';
import { CHAOS_STEPS } from '../../chaos/registry.js';
import { CHECKS } from '../../checks/registry.js';
import { KMS_PROVIDERS } from '../../crypto/registry.js';

type Section = 'scenarios' | 'providers' | 'strategies' | 'chaos' | 'checks' | 'kms';
const SECTIONS: Section[] = ['scenarios', 'providers', 'strategies', 'chaos', 'checks', 'kms'];

/** `kdrill list [section]`: built-in scenarios and every plugin, one line each. */
export const listCommand: CommandModule = {
  register(program: Command, env: CliEnv) {
    program
      .command('list')
      .description('list built-in scenarios, providers, strategies, chaos steps, checks and KMS providers')
      .argument('[section]', SECTIONS.join(' | '))
      .addHelpText('after', '\nExamples:\n  kdrill list\n  kdrill list checks')
      .action(async (section?: Section) => {
        for (const s of section ? [section] : SECTIONS) {
          env.stdout(`${s}:`);
          for (const [id, description] of await entries(s)) env.stdout(`  ${id.padEnd(26)} ${description}`);
        }
      });
  },
};

async function entries(section: Section): Promise<[string, string][]> {
  const describe = (map: Record<string, { description: string }>) => Object.entries(map).map(([id, p]): [string, string] => [id, p.description]).sort();
  if (section === 'providers') return describe(PROVIDERS);
  if (section === 'strategies') return describe(STRATEGIES);
  if (section === 'chaos') return describe(CHAOS_STEPS);
  if (section === 'checks') return describe(CHECKS);
  if (section === 'kms') return describe(KMS_PROVIDERS);
  const dir = new URL('../../../scenarios/', import.meta.url);
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.yaml')).sort();
  const out: [string, string][] = [];
  for (const f of files) {
    const { readFile } = await import('node:fs/promises');
    const doc = parse(await readFile(new URL(f, dir), 'utf8')) as { metadata?: { description?: string } };
    out.push([`scenarios/${f}`, (doc.metadata?.description ?? '').split('\n')[0]!]);
  }
  return out;
}
