/** How a canary appears in a file. */
export type NeedleForm = 'plain' | 'base64' | 'base64url';

/** One byte sequence to look for, and which canary (index into the list) and form it stands for. */
export interface Needle {
  canary: number;
  form: NeedleForm;
  bytes: Buffer;
}

/** Shorter sequences would match random bytes in binary files. */
export const MIN_NEEDLE = 6;

/**
 * The byte sequences that betray each canary: the canary itself, and the part of its base64 and base64url encodings
 * that does not depend on the bytes around it, for each of the three alignments it can have inside a larger encoded
 * value (a Secret whose data is `password=<canary>` encodes the canary at any offset modulo 3).
 */
export function canaryNeedles(canaries: readonly string[]): { needles: Needle[]; tooShort: number[] } {
  const needles: Needle[] = [];
  const tooShort: number[] = [];
  const seen = new Set<string>();
  const add = (canary: number, form: NeedleForm, text: string) => {
    if (text.length < MIN_NEEDLE || seen.has(text)) return;
    seen.add(text);
    needles.push({ canary, form, bytes: Buffer.from(text, form === 'plain' ? 'utf8' : 'latin1') });
  };
  canaries.forEach((canary, index) => {
    const bytes = Buffer.from(canary, 'utf8');
    if (bytes.length < MIN_NEEDLE) {
      tooShort.push(index);
      return;
    }
    add(index, 'plain', canary);
    for (const core of base64Cores(bytes)) {
      add(index, 'base64', core);
      add(index, 'base64url', core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  });
  return { needles, tooShort };
}

/** For alignments 0, 1 and 2: the base64 characters determined by `bytes` alone. */
export function base64Cores(bytes: Buffer): string[] {
  return [0, 1, 2].map((shift) => {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const encoded = padded.toString('base64').replace(/=+$/, '');
    const rem = padded.length % 3;
    // The last partial group keeps 1 (one byte left) or 2 (two bytes left) characters that do not depend on what follows.
    const end = Math.floor(padded.length / 3) * 4 + rem;
    // The first group shares bits with `shift` unknown bytes before the canary: 2 or 3 characters are not ours.
    const start = [0, 2, 3][shift]!;
    return encoded.slice(start, end);
  });
}
