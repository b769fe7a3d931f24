#!/usr/bin/env node
// Regenerates src/bootstrap/data/bootstrap-policy.json: the objects a kube-apiserver creates and reconciles by itself
// (bootstrap RBAC and API priority-and-fairness defaults), for each Kubernetes minor kdrill knows, deduplicated.
//   RBAC: the golden files Kubernetes tests its bootstrap policy against, from the k8s.io/kubernetes module
//         (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/*.yaml).
//   APF:  the mandatory and suggested configuration of k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap, printed by
//         apf-dump/main.go built against the matching k8s.io/apiserver version.
// Needs Go and the Go module proxy. Usage (from the repo root):
//   node tools/bootstrap-policy/generate.mjs [v1.30.14 v1.31.14 ...]   (default: VERSIONS below)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, '../../src/bootstrap/data/bootstrap-policy.json');
/** The newest patch release of each minor the module proxy served when the data was last generated. */
const VERSIONS = ['v1.30.14', 'v1.31.14', 'v1.32.13', 'v1.33.13', 'v1.34.4', 'v1.35.4', 'v1.36.3', 'v1.37.2'];
const GOLDEN = 'plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata';
/** Golden files and the variant their objects stand for (feature-gated clusters get extra rules on some roles). */
const RBAC_FILES = {
  'cluster-roles.yaml': 'default',
  'cluster-roles-featuregates.yaml': 'feature-gates',
  'cluster-role-bindings.yaml': 'default',
  'controller-roles.yaml': 'default',
  'controller-role-bindings.yaml': 'default',
  'namespace-roles.yaml': 'default',
  'namespace-role-bindings.yaml': 'default',
};

const go = (args, cwd) => execFileSync('go', args, { cwd, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' }, stdio: ['ignore', 'pipe', 'inherit'] });

function moduleDir(path, version) {
  const info = JSON.parse(go(['mod', 'download', '-json', `${path}@${version}`], tmpdir()));
  if (info.Error || !info.Dir) throw new Error(`go mod download ${path}@${version}: ${info.Error ?? 'no Dir'}`);
  return info.Dir;
}

function rbacObjects(version) {
  const dir = join(moduleDir('k8s.io/kubernetes', version), GOLDEN);
  const out = [];
  for (const [file, variant] of Object.entries(RBAC_FILES)) {
    let text;
    try {
      text = readFileSync(join(dir, file), 'utf8');
    } catch {
      continue; // cluster-roles-featuregates.yaml appeared in 1.33
    }
    for (const o of YAML.parse(text).items) {
      const content = { labels: o.metadata.labels ?? {} };
      for (const field of ['rules', 'aggregationRule', 'roleRef', 'subjects']) if (o[field] != null) content[field] = o[field];
      out.push({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name, variant, content });
    }
  }
  return out;
}

function apfObjects(version) {
  const work = mkdtempSync(join(tmpdir(), 'kdrill-apf-dump-'));
  try {
    copyFileSync(join(HERE, 'apf-dump/main.go'), join(work, 'main.go'));
    writeFileSync(join(work, 'go.mod'), 'module apfdump\n\ngo 1.22\n');
    const apiserver = version.replace(/^v1\./, 'v0.');
    go(['get', `k8s.io/apiserver@${apiserver}`], work);
    go(['mod', 'tidy'], work);
    return JSON.parse(go(['run', '.'], work)).map((o) => ({ kind: o.kind, name: o.name, variant: 'default', content: { spec: o.spec } }));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const versions = process.argv.slice(2).length ? process.argv.slice(2) : VERSIONS;
const sources = {};
const byContent = new Map();
for (const version of versions) {
  const minor = version.replace(/^v(\d+\.\d+)\..*$/, '$1');
  sources[minor] = { kubernetes: version, apiserver: version.replace(/^v1\./, 'v0.') };
  const objects = [...rbacObjects(version), ...apfObjects(version)];
  for (const o of objects) {
    // One entry per distinct content: a feature-gated role equal to the default one is the default one.
    const key = JSON.stringify([o.kind, o.namespace ?? '', o.name, o.content]);
    const seen = byContent.get(key) ?? { ...o, minors: [] };
    if (!seen.minors.includes(minor)) seen.minors.push(minor);
    if (o.variant === 'default') seen.variant = 'default';
    byContent.set(key, seen);
  }
  console.error(`bootstrap-policy: ${version}: ${objects.length} objects`);
}
const objects = [...byContent.values()].map(({ kind, namespace, name, variant, minors, content }) => ({
  kind, ...(namespace ? { namespace } : {}), name, ...(variant === 'default' ? {} : { variant }), minors, content,
}));
objects.sort((a, b) => `${a.kind}/${a.namespace ?? ''}/${a.name}`.localeCompare(`${b.kind}/${b.namespace ?? ''}/${b.name}`));
const lines = objects.map((o) => `    ${JSON.stringify(o)}`).join(',\n');
const header = { format: 1, generatedBy: 'tools/bootstrap-policy/generate.mjs', sources };
writeFileSync(OUT, `${JSON.stringify(header, null, 2).slice(0, -2)},\n  "objects": [\n${lines}\n  ]\n}\n`);
console.error(`bootstrap-policy: wrote ${objects.length} distinct objects for ${versions.length} versions to ${OUT}`);
