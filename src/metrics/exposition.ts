/**
 * The Prometheus text exposition format (version 0.0.4), written and read by hand: kdrill needs a few gauges, and a
 * strict reader to carry values over from an existing metrics file or a Pushgateway.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */
export type MetricType = 'gauge' | 'counter' | 'untyped' | 'histogram' | 'summary';

export interface Sample {
  /** The sample's own name: the family name, or `<family>_bucket|_sum|_count` for histograms and summaries. */
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['gauge', 'counter', 'untyped', 'histogram', 'summary']);

/** Label values escape backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and newline (quotes stay as they are). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Families in the order given, each with HELP, TYPE and its samples together; throws on names Prometheus would refuse. */
export function renderExposition(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name ${JSON.stringify(family.name)}`);
    if (family.samples.length === 0) continue;
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const s of family.samples) lines.push(renderSample(s));
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

function renderSample(s: Sample): string {
  const labels = Object.entries(s.labels).map(([k, v]) => {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`invalid label name ${JSON.stringify(k)}`);
    return `${k}="${escapeLabelValue(v)}"`;
  });
  const body = labels.length > 0 ? `${s.name}{${labels.join(',')}}` : s.name;
  return `${body} ${formatValue(s.value)}${s.timestampMs === undefined ? '' : ` ${s.timestampMs}`}`;
}

/** An error naming the 1-based line of the text that is not valid exposition format. */
export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/**
 * Parse exposition text strictly: valid names and escapes, a TYPE before its family's samples, each family's samples
 * together, no duplicate series, no second HELP/TYPE, a final newline. Throws ExpositionError naming the line.
 */
export function parseExposition(text: string): MetricFamily[] {
  if (text !== '' && !text.endsWith('\n')) throw new ExpositionError(text.split('\n').length, 'the text must end with a newline');
  const parser = new Parser();
  text.split('\n').slice(0, -1).forEach((line, i) => parser.line(line, i + 1));
  return parser.families;
}

class Parser {
  readonly families: MetricFamily[] = [];
  private readonly byName = new Map<string, MetricFamily>();
  private readonly closed = new Set<string>();
  private readonly series = new Set<string>();
  private readonly typed = new Set<string>();
  private current: MetricFamily | undefined;

  line(line: string, n: number): void {
    if (line.trim() === '') return;
    if (line.startsWith('#')) return this.comment(line, n);
    const sample = parseSample(line, n);
    const family = this.familyOf(sample.name, n);
    const key = `${sample.name}{${Object.entries(sample.labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (this.series.has(key)) throw new ExpositionError(n, `duplicate series ${key}`);
    this.series.add(key);
    family.samples.push(sample);
  }

  private comment(line: string, n: number): void {
    const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
    if (!m) return; // any other comment is allowed
    const [, keyword, name, rest = ''] = m as unknown as [string, 'HELP' | 'TYPE', string, string | undefined];
    if (!METRIC_NAME.test(name)) throw new ExpositionError(n, `invalid metric name ${JSON.stringify(name)}`);
    const family = this.open(name, n);
    if (keyword === 'HELP') {
      if (family.help !== '') throw new ExpositionError(n, `second HELP for ${name}`);
      family.help = unescapeHelp(rest, n);
      return;
    }
    if (!TYPES.has(rest.trim() as MetricType)) throw new ExpositionError(n, `unknown type ${JSON.stringify(rest.trim())} for ${name}`);
    if (family.samples.length > 0 || this.typed.has(name)) throw new ExpositionError(n, `TYPE for ${name} after its samples or a second TYPE`);
    this.typed.add(name);
    family.type = rest.trim() as MetricType;
  }

  /** Start (or continue) the family `name`; a family may not come back after another one started. */
  private open(name: string, n: number): MetricFamily {
    if (this.current?.name === name) return this.current;
    if (this.byName.has(name) || this.closed.has(name)) throw new ExpositionError(n, `${name} appears again after other metrics (a family's lines must be together)`);
    if (this.current) this.closed.add(this.current.name);
    const family: MetricFamily = { name, help: '', type: 'untyped', samples: [] };
    this.byName.set(name, family);
    this.families.push(family);
    this.current = family;
    return family;
  }

  private familyOf(sampleName: string, n: number): MetricFamily {
    const c = this.current;
    if (c && (c.name === sampleName || belongsTo(c, sampleName))) return c;
    return this.open(sampleName, n);
  }
}

function belongsTo(family: MetricFamily, sampleName: string): boolean {
  const suffixes = family.type === 'histogram' ? ['_bucket', '_sum', '_count'] : family.type === 'summary' ? ['_sum', '_count'] : [];
  return suffixes.some((s) => sampleName === family.name + s);
}

/** `name{a="x",b="y"} value [timestamp]` */
function parseSample(line: string, n: number): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new ExpositionError(n, `not a sample line: ${JSON.stringify(line.slice(0, 80))}`);
  const name = nameMatch[0];
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest, n);
    labels = parsed.labels;
    rest = rest.slice(parsed.length);
  }
  const parts = rest.trim().split(/\s+/);
  if (!/^[ \t]/.test(rest) || parts.length < 1 || parts.length > 2 || parts[0] === '') throw new ExpositionError(n, `expected "${name} VALUE [TIMESTAMP]"`);
  const value = parseValue(parts[0]!, n);
  if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new ExpositionError(n, `invalid timestamp ${JSON.stringify(parts[1])}`);
  return { name, labels, value, ...(parts[1] !== undefined ? { timestampMs: Number(parts[1]) } : {}) };
}

function parseLabels(text: string, n: number): { labels: Record<string, string>; length: number } {
  const labels: Record<string, string> = {};
  let i = 1;
  while (text[i] !== '}') {
    const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i));
    if (!m) throw new ExpositionError(n, `invalid label name at column ${i + 1}`);
    const key = m[0];
    i += key.length;
    if (text.slice(i, i + 2) !== '="') throw new ExpositionError(n, `expected ="..." after label ${key}`);
    i += 2;
    let value = '';
    for (;;) {
      const ch = text[i];
      if (ch === undefined) throw new ExpositionError(n, `unterminated value of label ${key}`);
      i += 1;
      if (ch === '"') break;
      if (ch !== '\\') {
        value += ch;
        continue;
      }
      const esc = text[i];
      i += 1;
      if (esc === '\\' || esc === '"') value += esc;
      else if (esc === 'n') value += '\n';
      else throw new ExpositionError(n, `invalid escape \\${esc ?? ''} in label ${key}`);
    }
    if (key in labels) throw new ExpositionError(n, `label ${key} given twice`);
    labels[key] = value;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') throw new ExpositionError(n, `expected , or } after label ${key}`);
  }
  return { labels, length: i + 1 };
}

function parseValue(text: string, n: number): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new ExpositionError(n, `invalid value ${JSON.stringify(text)}`);
  return Number(text);
}

function unescapeHelp(text: string, n: number): string {
  return text.replace(/\\(.?)/g, (_, esc: string) => {
    if (esc === '\\') return '\\';
    if (esc === 'n') return '\n';
    throw new ExpositionError(n, `invalid escape \\${esc} in HELP`);
  });
}
