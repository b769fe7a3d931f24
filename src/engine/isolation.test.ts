import { describe, expect, it } from 'vitest';
import { backupResourceVersions, versionSkew } from './isolation.js';

describe('versionSkew', () => {
  it('is absent for the same minor', () => expect(versionSkew('v1.37.0', 'v1.37.2')).toBeUndefined());
  it('counts minors and says which side is newer', () => {
    expect(versionSkew('v1.30.4+k3s1', 'v1.37.2')).toBe('target is 7 minor versions newer than the source (v1.30.4+k3s1 → v1.37.2)');
    expect(versionSkew('v1.37.2', 'v1.36.1')).toMatch(/^target is 1 minor version older .*may not serve/);
  });
});

describe('backupResourceVersions', () => {
  it('reads group/version/resource out of resource-export artifact names only', () => {
    expect(backupResourceVersions(['index.json', 'resources/core/v1/secrets.json', 'resources/apps/v1/deployments.json', 'material/etcd.db'])).toEqual([
      { id: 'core/v1/secrets', groupVersion: 'v1' },
      { id: 'apps/v1/deployments', groupVersion: 'apps/v1' },
    ]);
  });
});
