// Types for bin/select-entry.js (plain JavaScript: it runs before anything is compiled).
export declare const STAMP_FILE: string;
export declare function sourceFiles(root: string): string[];
export declare function readSources(root: string): { contents: Map<string, Buffer>; fingerprint: string };
export declare function readStamp(root: string): string | undefined;
export interface Entry {
  kind: 'dist' | 'source';
  main: URL;
  reason: string;
  stale: boolean;
}
export declare function chooseEntry(root: string, env?: NodeJS.ProcessEnv): Entry;
