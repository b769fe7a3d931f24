import { KdrillError } from '../../core/errors.js';
import { matchesKind } from '../capture-skip.js';

type Segment = string | number | '*';

/** A parsed `ignoreFields` entry: an optional kind filter and a path whose `*` matches every key or index. */
export interface IgnoreRule {
  source: string;
  kind?: string;
  segments: Segment[];
}

const PATH_TOKEN = /\.([^.[\]]+)|\[(\d+|\*)\]|\[(["'])(.*?)\3\]/y;

/**
 * Parse `[Kind:]path` where path is dotted JSON-path: `spec.replicas`, `$.metadata.annotations['example.com/x']`,
 * `spec.ports[*].nodePort`, `spec.containers[0].image`. Throws E_SCENARIO_INVALID naming the bad entry.
 */
export function parseIgnoreRule(source: string): IgnoreRule {
  const colon = source.indexOf(':');
  const hasKind = colon > 0 && /^[A-Za-z][\w.-]*$/.test(source.slice(0, colon));
  const kind = hasKind ? source.slice(0, colon) : undefined;
  let path = (hasKind ? source.slice(colon + 1) : source).trim().replace(/^\$/, '');
  if (!path.startsWith('.') && !path.startsWith('[')) path = `.${path}`;
  const segments: Segment[] = [];
  PATH_TOKEN.lastIndex = 0;
  while (PATH_TOKEN.lastIndex < path.length) {
    const at = PATH_TOKEN.lastIndex;
    const m = PATH_TOKEN.exec(path);
    if (!m) {
      throw new KdrillError('E_SCENARIO_INVALID', `ignoreFields entry "${source}" is not a JSON path (at character ${at})`, {
        hint: "write e.g. spec.replicas, metadata.annotations['example.com/x'] or Deployment:spec.template.spec.containers[*].image",
      });
    }
    if (m[1] !== undefined) segments.push(m[1] === '*' ? '*' : m[1]);
    else if (m[2] !== undefined) segments.push(m[2] === '*' ? '*' : Number(m[2]));
    else segments.push(m[4] ?? '');
  }
  if (segments.length === 0) throw new KdrillError('E_SCENARIO_INVALID', `ignoreFields entry "${source}" is empty`);
  return kind ? { source, kind, segments } : { source, segments };
}

/** Remove every field a rule names from `obj` in place (a kind filter is matched against `kind` and `group`). */
export function applyIgnoreRules(obj: Record<string, unknown>, rules: readonly IgnoreRule[], group: string): void {
  const kind = String(obj.kind ?? '');
  for (const rule of rules) {
    if (rule.kind && !matchesKind({ group, kind, name: kind.toLowerCase() }, rule.kind)) continue;
    removePath(obj, rule.segments);
  }
}

function removePath(node: unknown, segments: readonly Segment[]): void {
  if (node === null || typeof node !== 'object' || segments.length === 0) return;
  const [head, ...rest] = segments as [Segment, ...Segment[]];
  if (Array.isArray(node) && rest.length === 0) {
    if (head === '*') node.length = 0;
    else if (typeof head === 'number' && head < node.length) node.splice(head, 1);
    return;
  }
  const container = node as Record<string | number, unknown>;
  for (const key of head === '*' ? Object.keys(container) : [head]) {
    if (!(key in container)) continue;
    if (rest.length === 0) delete container[key];
    else {
      removePath(container[key], rest);
      // A map the rule emptied (labels whose only keys were ignored) is the same as no map: the API omits empty ones.
      if (isEmptyMap(container[key])) delete container[key];
    }
  }
}

function isEmptyMap(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}
