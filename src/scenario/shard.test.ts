import { describe, expect, it } from 'vitest';
import { KdrillError } from '../core/errors.js';
import { parseShard, shardScenarios } from './shard.js';

const item = (file: string, name = file, hash = '0') => ({ file: `/s/${file}.yaml`, hash, document: { metadata: { name } } });
const names = (list: { document: { metadata: { name: string } } }[]) => list.map((s) => s.document.metadata.name);

describe('parseShard', () => {
  it('reads INDEX/TOTAL', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, total: 5 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, total: 1 });
  });

  it.each(['0/3', '4/3', '1/0', '2', 'a/b', '1/2/3', '-1/2', '', '1.5/3'])('rejects %j with a usage hint', (spec) => {
    expect(() => parseShard(spec)).toThrowError(KdrillError);
    try {
      parseShard(spec);
    } catch (error) {
      expect((error as KdrillError).message).toBe(`invalid shard "${spec}"`);
      expect((error as KdrillError).hint).toContain('INDEX/TOTAL');
    }
  });
});

describe('shardScenarios', () => {
  const list = ['e', 'c', 'a', 'g', 'b', 'f', 'd'].map((f) => item(f));

  it('deals the sorted list round-robin', () => {
    expect(names(shardScenarios(list, '1/3'))).toEqual(['a', 'd', 'g']);
    expect(names(shardScenarios(list, '2/3'))).toEqual(['b', 'e']);
    expect(names(shardScenarios(list, '3/3'))).toEqual(['c', 'f']);
  });

  it('covers every scenario exactly once across shards, whatever the input order', () => {
    const reversed = [...list].reverse();
    const all = [1, 2, 3, 4].flatMap((i) => names(shardScenarios(reversed, `${i}/4`)));
    expect(all.sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(names(shardScenarios(reversed, '2/4'))).toEqual(names(shardScenarios(list, '2/4')));
  });

  it('orders one file listed by two drills by name, then hash', () => {
    const twice = [item('x', 'x', 'bb'), item('x', 'x', 'aa')];
    expect(shardScenarios(twice, '1/2').map((s) => s.hash)).toEqual(['aa']);
  });

  it('gives empty shards when there are more shards than scenarios', () => {
    expect(shardScenarios(list.slice(0, 2), '3/5')).toEqual([]);
  });
});
