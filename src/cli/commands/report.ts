import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { readResults } from '../../reporters/json.js';
import { renderAll } from '../../reporters/registry.js';
import type { CommandModule } from '../main.js';

// Paths under the working directory print relative; others absolute (no ../../ chains).
function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/** `kdrill report <results.json> [--output DIR]`: re-render junit.xml and report.md from a results.json. */
export const reportCommand: CommandModule = {
  register(program: Command, env) {
    program
      .command('report')
      .description('re-render the JUnit and Markdown reports from a results.json')
      .argument('<results>', 'a results.json written by `kdrill run`')
      .option('-o, --output <dir>', 'folder to write into (default: the folder of results.json)')
      .action(async (file: string, options: { output?: string }, command: Command) => {
        const logger = env.logger(command);
        const results = await readResults(file);
        const outDir = resolve(options.output ?? dirname(file));
        const paths = await renderAll(results, outDir, ['junit', 'markdown']);
        logger.debug('reports rendered', { runId: results.runId, scenarios: results.scenarios.length });
        for (const path of paths) env.stdout(display(path));
      });
  },
};
