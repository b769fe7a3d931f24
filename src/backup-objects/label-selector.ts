import { KdrillError } from '../core/errors.js';

/**
 * Kubernetes label selector semantics (`a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`), for
 * LISTs served from a backup instead of an apiserver.
 */
export function matchesLabelSelector(labels: Record<string, string>, selector: string): boolean {
  return splitTerms(selector).every((term) => matchesTerm(labels, term));
}

/** Terms are comma-separated, except the commas inside `in (...)` sets. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter(Boolean);
}

function matchesTerm(labels: Record<string, string>, term: string): boolean {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
  if (set) {
    const values = set[3]!.split(',').map((v) => v.trim());
    const has = Object.hasOwn(labels, set[1]!) && values.includes(labels[set[1]!]!);
    return set[2] === 'in' ? has : !has;
  }
  const eq = /^([^!=\s]+)\s*(!=|==|=)\s*([^\s=!]*)$/.exec(term);
  if (eq) {
    const equal = Object.hasOwn(labels, eq[1]!) && labels[eq[1]!] === eq[3];
    return eq[2] === '!=' ? !equal : equal;
  }
  if (/^![^!=\s]+$/.test(term)) return !Object.hasOwn(labels, term.slice(1));
  if (/^[^!=\s()]+$/.test(term)) return Object.hasOwn(labels, term);
  throw new KdrillError('E_SCENARIO_INVALID', `label selector term "${term}" is not valid`, { hint: 'use key=value, key!=value, key, !key, key in (a,b) or key notin (a,b)' });
}
