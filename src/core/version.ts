import { readFileSync } from 'node:fs';

/** kdrill's own version, from package.json (reports name it). */
export const KDRILL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
