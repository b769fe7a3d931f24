import { describe, expect, it } from 'vitest';
import { matchesLabelSelector } from './label-selector.js';

describe('matchesLabelSelector', () => {
  const labels = { app: 'shop', tier: 'web', 'kdrill.dev/run-id': 'r1' };
  it.each([
    ['', true],
    ['app=shop', true],
    ['app==shop', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=shop', false],
    ['missing!=x', true],
    ['kdrill.dev/run-id', true],
    ['!kdrill.dev/run-id', false],
    ['!missing', true],
    ['tier in (web, api)', true],
    ['tier notin (web,api)', false],
    ['missing notin (a)', true],
    ['app=shop,tier in (api,db)', false],
    ['app=shop, tier in (web,db)', true],
  ])('%s → %s', (selector, expected) => {
    expect(matchesLabelSelector(labels, selector)).toBe(expected);
  });
  it('refuses a malformed term with a hint', () => {
    expect(() => matchesLabelSelector(labels, 'a=b=c')).toThrow(/not valid/);
  });
});
