/** `1 subject`, `2 subjects`, `0 subjects`; `pluralForm` for irregular nouns (`1 entry`, `3 entries`). */
export function plural(count: number, noun: string, pluralForm = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralForm}`;
}
