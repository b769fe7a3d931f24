import { describe, expect, it } from 'vitest';
import { applyIgnoreRules, parseIgnoreRule } from './ignore-fields.js';

describe('applyIgnoreRules', () => {
  const velero = ["metadata.labels['velero.io/backup-name']", "metadata.labels['velero.io/restore-name']"].map(parseIgnoreRule);

  it('drops a map the rules emptied, so an object that only gained ignored labels equals one without labels', () => {
    const restored = { kind: 'ServiceAccount', metadata: { name: 'default', labels: { 'velero.io/backup-name': 'b', 'velero.io/restore-name': 'r' } } };
    applyIgnoreRules(restored, velero, '');
    expect(restored).toEqual({ kind: 'ServiceAccount', metadata: { name: 'default' } });
  });

  it('keeps the other keys of a map, and leaves maps the rules did not touch alone', () => {
    const restored = { kind: 'Secret', metadata: { name: 's', labels: { app: 'shop', 'velero.io/backup-name': 'b' }, annotations: {} } };
    applyIgnoreRules(restored, velero, '');
    expect(restored).toEqual({ kind: 'Secret', metadata: { name: 's', labels: { app: 'shop' }, annotations: {} } });
  });
});
