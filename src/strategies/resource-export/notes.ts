/** Report notes grouped by topic: each topic becomes one line with a count and a few examples, whatever the object count. */
export class NoteBook {
  private readonly topics = new Map<string, { count: number; examples: string[] }>();
  private readonly lines: string[] = [];

  /** Count one occurrence of `topic`, keeping `example` if fewer than `limit` are kept. */
  add(topic: string, example: string, limit = 5): void {
    let entry = this.topics.get(topic);
    if (!entry) this.topics.set(topic, (entry = { count: 0, examples: [] }));
    entry.count++;
    if (entry.examples.length < limit) entry.examples.push(example);
  }

  /** A line shown as is. */
  line(text: string): void {
    this.lines.push(text);
  }

  /** Lines for RestoreReport.notes: plain lines first, then `topic: N (a, b, ...)`. */
  render(): string[] {
    const grouped = [...this.topics].map(([topic, { count, examples }]) => {
      const more = count > examples.length ? ', ...' : '';
      return `${topic}: ${count} (${examples.join(', ')}${more})`;
    });
    return [...this.lines, ...grouped];
  }
}

/** `Kind ns/name` or `Kind name`: how notes name an object. */
export function describeObject(obj: { kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
}
