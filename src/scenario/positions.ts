import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';

/** One step of a field path: a mapping key or a sequence index. */
export type Segment = string | number;

/** A 1-based line and column in a source file. */
export interface Position {
  line: number;
  column: number;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Writes a path the way users read it: `spec.checks[2].check`, `metadata.labels["app.kubernetes.io/name"]`. */
export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Reads `spec.checks[2].check`, `a["b.c"]` or a JSON pointer `/spec/checks/2/check` into segments. */
export function parsePath(path: string): Segment[] {
  if (path === '' || path === '/') return [];
  if (path.startsWith('/')) {
    return path
      .slice(1)
      .split('/')
      .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
  }
  const segments: Segment[] = [];
  const token = /([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const match of path.matchAll(token)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(JSON.parse(match[3]) as string);
  }
  return segments;
}

/** Maps field paths of one parsed YAML document to line:column positions. */
export class PositionIndex {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /**
   * Position of `path`: the key's position when `at` is 'key' (unknown fields), the value's otherwise.
   * A path that does not exist resolves to the key of its nearest existing parent (1:1 for the root).
   */
  locate(path: string | readonly Segment[], at: 'key' | 'value' = 'value'): Position {
    const segments = typeof path === 'string' ? parsePath(path) : path;
    let node: unknown = this.doc.contents;
    // Where to point when the path stops existing: the key of the last pair or the last sequence item found.
    let parent: Position | undefined;
    for (const [i, segment] of segments.entries()) {
      const child = this.child(node, segment);
      if (child === undefined) return parent ?? this.root();
      const isLast = i === segments.length - 1;
      if (isPair(child)) {
        const keyPos = this.pos(child.key);
        if (isLast && (at === 'key' || isEmpty(child.value))) return keyPos ?? parent ?? this.root();
        parent = keyPos ?? parent;
        node = this.resolve(child.value);
      } else {
        node = this.resolve(child);
        parent = this.pos(node) ?? parent;
      }
    }
    return this.pos(node) ?? parent ?? this.root();
  }

  /** True when every segment of `path` exists in the document. */
  has(path: readonly Segment[]): boolean {
    return this.depth(path) === path.length;
  }

  /** How many leading segments of `path` exist in the document. */
  depth(path: readonly Segment[]): number {
    let node: unknown = this.doc.contents;
    for (const [i, segment] of path.entries()) {
      const child = this.child(node, segment);
      if (child === undefined) return i;
      node = this.resolve(isPair(child) ? child.value : child);
    }
    return path.length;
  }

  private child(node: unknown, segment: Segment): Pair | Node | undefined {
    if (isMap(node)) {
      return node.items.find((item) => keyText(item.key) === String(segment));
    }
    if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      return item === undefined || item === null ? undefined : (item as Node);
    }
    return undefined;
  }

  private resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  private root(): Position {
    return this.pos(this.doc.contents) ?? { line: 1, column: 1 };
  }

  private pos(node: unknown): Position | undefined {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (!range) return undefined;
    const { line, col } = this.lines.linePos(range[0]);
    return { line, column: col };
  }
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

// `key:` with nothing after it parses to a null scalar positioned after the colon: point at the key instead.
function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (isScalar(value) && value.value === null && value.source === '');
}
