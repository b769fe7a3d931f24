#!/usr/bin/env node
// kdrill's entry point. It runs the compiled dist/ when dist/ was built from exactly the src/ on disk, and the
// TypeScript sources through tsx otherwise (bin/select-entry.js says why): edits to src/ are never shadowed by a stale
// build, they only start slower until `npm run build` (also run by `npm ci` and `npm test`) refreshes dist/.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseEntry } from './select-entry.js';

const argv = process.argv.slice(2);
const entry = chooseEntry(join(dirname(fileURLToPath(import.meta.url)), '..'));
if (process.env.KDRILL_DEBUG_ENTRY === '1') process.stderr.write(`kdrill: running ${entry.kind} (${entry.reason})\n`);
else if (entry.stale && process.stderr.isTTY) process.stderr.write(`kdrill: ${entry.reason}: running the sources (slower start; npm run build refreshes dist/)\n`);
if (entry.kind === 'source') (await import('tsx/esm/api')).register();
// Stack traces (-v) point into src/ through dist/'s source maps; mapping costs nothing until an error is printed.
if (argv.includes('-v') || argv.includes('--verbose')) process.setSourceMapsEnabled(true);
const { main } = await import(entry.main.href);
process.exitCode = await main(argv);
