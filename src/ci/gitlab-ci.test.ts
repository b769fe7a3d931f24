import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { glob } from 'tinyglobby';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateFiles } from '../cli/commands/validate.js';
import { FileAuditLog } from '../audit/audit-log.js';
import { runResultsFixture } from '../reporters/fixtures/run-results.js';
import { renderAll } from '../reporters/registry.js';
import { defaultCatalog } from '../scenario/catalog.js';
import { loadDrill } from '../scenario/loader.js';
import { GITLAB_CI_LOCAL, gitlabCiValidator, REPO, schemaProblems } from './gitlab-ci-lint.js';

// A typed view of the parts of .gitlab-ci.yml the assertions read.
interface CacheEntry { key: { prefix: string; files: string[] }; paths: string[]; policy: string }
interface Job {
  stage: string;
  script: string[];
  before_script?: string[];
  parallel?: number;
  needs?: { job: string }[];
  rules?: { if: string }[];
  cache: CacheEntry[];
  artifacts: { when: string; expire_in: string; reports: { junit: string }; paths: string[] };
}

let text: string;
let config: Record<string, unknown> & { variables: Record<string, string> };
let work: string;
const job = (name: string) => preview[name] as Job;
let preview: Record<string, unknown>;

beforeAll(async () => {
  text = await readFile(join(REPO, '.gitlab-ci.yml'), 'utf8');
  config = parse(text) as typeof config;
  work = await mkdtemp(join(tmpdir(), 'kdrill-gitlab-ci-'));
  await writeFile(join(work, '.gitlab-ci.yml'), text);
  preview = parse((await gitlabCiLocal(['--preview'])).replace(/^[\s\S]*?^---$/m, '')) as Record<string, unknown>;
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** gitlab-ci-local in a scratch copy (it writes .gitlab-ci-local/ there); offline: no Docker, no git remote needed. */
async function gitlabCiLocal(args: string[]): Promise<string> {
  const out = await execa(GITLAB_CI_LOCAL, ['--home', join(work, 'home'), ...args], { cwd: work, timeout: 60_000 });
  return out.stdout;
}

describe('.gitlab-ci.yml against GitLab CI JSON Schema (from gitlab-ci-local 4.62.0)', () => {
  it('has no schema errors', async () => {
    expect(schemaProblems(await gitlabCiValidator(), config)).toEqual([]);
  });

  it('has no schema errors once gitlab-ci-local expanded extends into every job', async () => {
    expect(schemaProblems(await gitlabCiValidator(), preview)).toEqual([]);
  });

  it.each([
    ['a misspelt job keyword', 'parallel: 4', 'paralel: 4', /must NOT have additional properties.*paralel/],
    ['a misspelt artifacts keyword', '    expire_in: 30 days', '    expires_in: 30 days', /additional properties.*expires_in/],
    ['an unknown artifacts:when', '    when: always', '    when: allways', /must be equal to one of the allowed values/],
    ['a third cache key file', '          - tools/etcd/go.sum\n', '          - tools/etcd/go.sum\n          - go.work.sum\n', /must NOT have more than 2 items/],
  ])('rejects a copy with %s', async (_what, from, to, message) => {
    expect(text).toContain(from);
    const broken = text.replaceAll(from, to);
    const problems = schemaProblems(await gitlabCiValidator(), parse(broken));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(message);
    // gitlab-ci-local refuses it too, before running anything.
    await writeFile(join(work, 'broken.yml'), broken);
    const run = await execa(GITLAB_CI_LOCAL, ['--home', join(work, 'home'), '--file', 'broken.yml', '--preview'], { cwd: work, reject: false });
    expect(run.exitCode).not.toBe(0);
  });
});

describe('.gitlab-ci.yml as gitlab-ci-local expands it', () => {
  it('runs validate on every pipeline and prepare + 4 drill shards only on schedules and manual web runs', async () => {
    const plan = async (source: string) => {
      const listed = await gitlabCiLocal(['--list-json', '--variable', `CI_PIPELINE_SOURCE=${source}`]);
      // A warning about overriding a predefined variable precedes the JSON.
      const jobs = JSON.parse(listed.slice(listed.indexOf('\n['))) as { name: string; when: string }[];
      return jobs.filter((j) => j.when !== 'never').map((j) => j.name);
    };
    const nightly = ['validate', 'prepare', 'drill: [1/4]', 'drill: [2/4]', 'drill: [3/4]', 'drill: [4/4]', 'proofs'];
    expect(await plan('schedule')).toEqual(nightly);
    expect(await plan('web')).toEqual(nightly);
    expect(await plan('push')).toEqual(['validate']);
  });

  it('adds the production drill only where the source kubeconfig variable is set', async () => {
    const listed = await gitlabCiLocal(['--list-json', '--variable', 'CI_PIPELINE_SOURCE=schedule', '--variable', 'KDRILL_SOURCE_KUBECONFIG=/tmp/prod']);
    const jobs = (JSON.parse(listed.slice(listed.indexOf('\n['))) as { name: string; when: string }[]).filter((j) => j.when !== 'never').map((j) => j.name);
    expect(jobs).toContain('production-drill');
    expect(job('production-drill').script).toEqual(['npx kdrill run scenarios/production/last-night.yaml --output reports/production']);
  });

  it('shards the nightly drill over parallel jobs, after prepare, and fails on kdrill’s exit code', () => {
    const drill = job('drill');
    expect(drill.stage).toBe('drill');
    expect(drill.parallel).toBe(4);
    expect(drill.needs?.map((n) => n.job)).toEqual(['prepare']);
    expect(drill.script).toEqual(['npx kdrill run drills/nightly.yaml --shard ${CI_NODE_INDEX}/${CI_NODE_TOTAL} --output reports/shard-${CI_NODE_INDEX}']);
    // `|| true`, `allow_failure` or a trailing command would swallow exit codes 1 (drill failed) and 2 (setup error).
    expect(drill).not.toHaveProperty('allow_failure');
    expect(job('prepare').script).toEqual(['npx kdrill cluster build']);
    expect(job('validate').script).toEqual(['npx kdrill validate scenarios/*.yaml scenarios/production/*.yaml drills/*.yaml']);
    expect(job('validate').rules).toBeUndefined();
  });

  it('keeps artifacts of failed drills, and its paths pick up every report kdrill writes per shard', async () => {
    const { artifacts } = job('drill');
    expect(artifacts.when).toBe('always');
    expect(artifacts.expire_in).toMatch(/^\d+ (days|weeks|months|year)s?$/);
    expect(artifacts.reports.junit).toBe('reports/*/junit.xml');
    // The files a real run writes into --output reports/shard-2.
    const out = join(work, 'reports', 'shard-2');
    await renderAll(runResultsFixture(), out);
    const audit = await FileAuditLog.open(join(out, 'audit.jsonl'), { runId: 'r1' });
    await audit.record({ action: 'chaos.run', subject: 'delete-secrets' });
    await writeFile(join(out, 'kdrill.log'), 'log\n');
    // The sealed drill backups of a scenario stay out of the artifacts.
    await mkdir(join(out, 'secret-wipe', 'backups'), { recursive: true });
    await writeFile(join(out, 'secret-wipe', 'backups', 'manifest.json'), '{}');
    const found = async (patterns: string[]) => (await glob(patterns, { cwd: work })).sort();
    expect(await found([artifacts.reports.junit])).toEqual(['reports/shard-2/junit.xml']);
    for (const pattern of artifacts.paths) expect(await found([pattern]), pattern).toHaveLength(1);
    expect(await found(artifacts.paths)).toEqual(
      ['audit.jsonl', 'junit.xml', 'kdrill.log', 'report.md', 'results.json'].map((f) => `reports/shard-2/${f}`),
    );
  });

  it('caches binaries and npm inside the project folder, keyed on files that exist, written only by prepare', async () => {
    const expectedKeys = { 'kdrill-bin': ['tools/kube/go.sum', 'tools/etcd/go.sum'], npm: ['package-lock.json'] };
    for (const name of ['validate', 'prepare', 'drill']) {
      const cache = job(name).cache;
      expect(Object.fromEntries(cache.map((c) => [c.key.prefix, c.key.files]))).toEqual(expectedKeys);
      expect(cache.map((c) => c.policy)).toEqual(name === 'prepare' ? ['pull-push', 'pull-push'] : ['pull', 'pull']);
      expect(cache.map((c) => c.paths)).toEqual([['.cache/kdrill/'], ['.npm/']]);
      expect(job(name).before_script).toContain('npm ci --prefer-offline --no-audit --no-fund');
    }
    // GitLab caches only paths under $CI_PROJECT_DIR: the tools must be told to use exactly those folders.
    expect(config.variables.KDRILL_CACHE_DIR).toBe('$CI_PROJECT_DIR/.cache/kdrill');
    expect(config.variables.npm_config_cache).toBe('$CI_PROJECT_DIR/.npm');
    for (const file of Object.values(expectedKeys).flat()) await expect(readFile(join(REPO, file))).resolves.toBeTruthy();
  });

  it('installs a Node.js that satisfies package.json engines on a Go image that satisfies tools/*/go.mod', async () => {
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };
    const [minMajor, minMinor] = /^>=(\d+)\.(\d+)/.exec(pkg.engines.node)!.slice(1).map(Number) as [number, number];
    const [major, minor] = config.variables.NODE_VERSION!.split('.').map(Number) as [number, number];
    expect(major > minMajor || (major === minMajor && minor >= minMinor)).toBe(true);
    const image = (config['.kdrill'] as { image: string }).image;
    const goMinor = Number(/^golang:1\.(\d+)-bookworm$/.exec(image)?.[1]);
    for (const tool of ['kube', 'etcd']) {
      const goMod = await readFile(join(REPO, 'tools', tool, 'go.mod'), 'utf8');
      expect(goMinor, `${image} vs tools/${tool}/go.mod`).toBeGreaterThanOrEqual(Number(/^go 1\.(\d+)/m.exec(goMod)?.[1]));
    }
  });
});

describe('the files the pipeline runs', () => {
  const problems: string[] = [];
  const out = { stdout: () => {}, stderr: (line: string) => problems.push(line) };

  it('pass the validate job: every scenario and drill of the repository validates', async () => {
    const files = await glob(['scenarios/*.yaml', 'drills/*.yaml'], { cwd: REPO, absolute: true });
    expect(files.length).toBeGreaterThan(0);
    const summary = await validateFiles(files, defaultCatalog(), out);
    expect(problems).toEqual([]);
    expect(summary.invalid).toBe(0);
  });

  it.skipIf(!existsSync(join(REPO, 'drills', 'nightly.yaml')))('include drills/nightly.yaml, the drill the drill job runs', async () => {
    const drill = await loadDrill(join(REPO, 'drills', 'nightly.yaml'), defaultCatalog());
    // With 4 shards, fewer than 4 scenarios leave a job with nothing to run.
    expect(drill.scenarios.length).toBeGreaterThanOrEqual(job('drill').parallel!);
  });
});
