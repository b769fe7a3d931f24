import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from './registry.js';
import { storeFixture } from './fixtures/store-fixture.js';

let fx: Awaited<ReturnType<typeof storeFixture>>;
beforeEach(async () => {
  fx = await storeFixture();
});
afterEach(() => fx.cleanup());

describe('openStore', () => {
  it('opens a local store relative to the scenario folder and records to its audit log', async () => {
    const store = openStore({ type: 'local', path: 'backups' }, fx.keys, { baseDir: fx.dir, audit: fx.audit });
    expect(store.type).toBe('local');
    expect(store.describe()).toBe(join(fx.dir, 'backups'));
    const writer = await store.create({ strategy: 's', cluster: { name: 'c', provider: 'p', kubernetesVersion: 'v1' } });
    await writer.commit({});
    expect(fx.audit.events.map((e) => e.action)).toEqual(['backup.create', 'backup.write']);
  });

  it('reads an s3:// path, lets options override it, and validates options', () => {
    const s3 = openStore({ type: 's3', path: 's3://drills/team-a/' }, fx.keys, { baseDir: fx.dir });
    expect(s3.describe()).toBe('s3://drills/team-a/');
    expect(openStore({ type: 's3', path: 's3://drills', options: { prefix: 'x' } }, fx.keys, { baseDir: fx.dir }).describe()).toBe('s3://drills/x/');
    expect(openStore({ type: 's3', options: { bucket: 'bkt', objectLock: { mode: 'COMPLIANCE', days: 30 } } }, fx.keys, { baseDir: fx.dir }).describe()).toBe('s3://bkt/');
    const bad = (spec: Parameters<typeof openStore>[0]) => () => openStore(spec, fx.keys, { baseDir: fx.dir });
    expect(bad({ type: 's3', options: { bucket: 'bkt', objectLock: { mode: 'STRICT', days: 1 } } })).toThrow(/objectLock\/mode/);
    expect(bad({ type: 's3', options: { bucket: 'bkt', objectLock: { mode: 'GOVERNANCE', days: 0 } } })).toThrow(/objectLock\/days/);
    expect(bad({ type: 's3', options: { bucket: 'bkt', secretKey: 'x' } })).toThrow(/invalid options for the s3 store/);
    expect(bad({ type: 's3' })).toThrow(/needs a bucket/);
    expect(bad({ type: 's3', path: 'bucket/prefix' })).toThrow(/not an s3:\/\/ URL/);
    expect(bad({ type: 'local' })).toThrow(/needs a path/);
    expect(bad({ type: 'local', path: 'b', options: { x: 1 } })).toThrow(/invalid options for the local store/);
    expect(bad({ type: 'ftp' as 'local', path: 'x' })).toThrow(/unknown store type/);
  });

  it('refuses a local store that contains the key file', () => {
    expect(() => openStore({ type: 'local', path: '.' }, fx.keys, { baseDir: fx.dir })).toThrow(/inside the backup store/);
  });
});
