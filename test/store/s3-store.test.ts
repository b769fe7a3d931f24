import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyProvider, createKeyFile, rotateKeyFile } from '../../src/crypto/local-kms.js';
import { rewrapBackup } from '../../src/store/rewrap.js';
import { applyPrune, planPrune } from '../../src/store/prune.js';
import { sealManifest } from '../../src/store/manifest.js';
import type { AuditEvent } from '../../src/audit/audit-log.js';
import { createS3Store, type S3StoreOptions } from '../../src/store/s3-store.js';
import { type Versitygw, startVersitygw, versitygwBinary } from '../support/versitygw.js';

const CANARY = 'kdrill-canary-s3-Hq7Xw2Lp9Vd4';
const cluster = { name: 'drill-s3', provider: 'local', kubernetesVersion: 'v1.34.1' };
const MiB = 1024 * 1024;

if (!versitygwBinary.path) {
  describe('S3 store against versitygw', () => {
    it.skip(`SKIPPED: ${versitygwBinary.skipReason}`, () => {});
  });
} else {
  describe('S3 store against versitygw', () => {
    let gw: Versitygw | undefined;
    let dir: string;
    let keyFile: string;
    let keys: LocalKeyProvider;
    let s3: S3Client;
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    const store = (extra: Partial<S3StoreOptions> = {}) =>
      createS3Store({ bucket: 'kdrill-plain', prefix: 'drills/a', endpoint: gw!.endpoint, keys, uploadLimits: { multipartThreshold: 6 * MiB, partSize: 5 * MiB }, ...extra });

    beforeAll(async () => {
      gw = await startVersitygw();
      process.env.AWS_ACCESS_KEY_ID = gw.accessKey;
      process.env.AWS_SECRET_ACCESS_KEY = gw.secretKey;
      s3 = new S3Client({ region: 'us-east-1', endpoint: gw.endpoint, forcePathStyle: true });
      await s3.send(new CreateBucketCommand({ Bucket: 'kdrill-plain' }));
      await s3.send(new CreateBucketCommand({ Bucket: 'kdrill-locked', ObjectLockEnabledForBucket: true }));
      dir = await mkdtemp(join(tmpdir(), 'kdrill-s3-test-'));
      keyFile = join(dir, 'key.json');
      await createKeyFile(keyFile);
      keys = await LocalKeyProvider.fromFile(keyFile);
    });
    afterAll(async () => {
      s3?.destroy();
      await gw?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    it('round-trips plain, sealed and multipart artifacts, and lists only committed backups', async () => {
      const big = randomBytes(11 * MiB + 123);
      await writeFile(join(dir, 'snapshot.db'), big);
      await writeFile(join(dir, 'secret.db'), `db with ${CANARY}`);
      const writer = await store().create({ strategy: 'etcd-snapshot', cluster });
      await writer.put('resources/v1/secrets.json', Buffer.from(`{"password":"${CANARY}"}`), { sealed: true });
      await writer.putFile('etcd/snapshot.db', join(dir, 'snapshot.db'));
      await writer.putFile('etcd/secret.db', join(dir, 'secret.db'), { sealed: true });
      // A stream of unknown size (resource-export's pages) is spooled sealed, then uploaded with its length.
      await writer.putStream('resources/v1/configmaps.json', Readable.from([Buffer.from(`[{"a":"${CANARY}"}`), Buffer.from(']')]), { sealed: true });
      expect(await store().list()).toEqual([]);
      await expect(store().open(writer.id)).rejects.toMatchObject({ code: 'E_BACKUP_NOT_FOUND', message: /never committed/ });
      const m = await writer.commit({ revision: 42 });
      expect(m.artifacts.map((a) => [a.name, a.size])).toEqual([
        ['resources/v1/secrets.json', `{"password":"${CANARY}"}`.length + 29],
        ['etcd/snapshot.db', big.length],
        ['etcd/secret.db', `db with ${CANARY}`.length + 29],
        ['resources/v1/configmaps.json', `[{"a":"${CANARY}"}]`.length + 29],
      ]);
      expect(await store().list()).toEqual([{ id: m.id, strategy: 'etcd-snapshot', createdAt: m.createdAt, cluster: 'drill-s3', sizeBytes: m.artifacts.reduce((s, a) => s + a.size, 0) }]);
      const reader = await store().open(m.id);
      expect((await reader.get('resources/v1/secrets.json')).toString()).toBe(`{"password":"${CANARY}"}`);
      await reader.getToFile('etcd/snapshot.db', join(dir, 'restored.db'));
      expect((await readFile(join(dir, 'restored.db'))).equals(big)).toBe(true);
      expect((await reader.get('etcd/secret.db')).toString()).toBe(`db with ${CANARY}`);
      expect((await reader.get('resources/v1/configmaps.json')).toString()).toBe(`[{"a":"${CANARY}"}]`);
      expect(await reader.verify()).toEqual({ ok: true, problems: [] });
      expect(store().describe()).toBe('s3://kdrill-plain/drills/a/');
      // 11 MiB over a 6 MiB threshold in 5 MiB parts: a three-part multipart upload.
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'kdrill-plain', Key: `drills/a/${m.id}/etcd/snapshot.db` }));
      expect(head.ETag).toMatch(/-3"$/);
    });

    it('leaves no canary plaintext or base64 in the bucket files', async () => {
      const forms = [CANARY, Buffer.from(CANARY).toString('base64'), Buffer.from(CANARY).toString('hex')];
      const files = (await readdir(gw!.dataDir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
      expect(files.length).toBeGreaterThanOrEqual(4);
      for (const f of files) {
        const content = (await readFile(join(f.parentPath, f.name))).toString('latin1');
        for (const form of forms) expect(content.includes(form), `${f.name} holds ${form}`).toBe(false);
      }
    });

    it('aborts by deleting what was written', async () => {
      const writer = await store({ prefix: 'aborted' }).create({ strategy: 's', cluster });
      await writer.put('a.json', Buffer.from('{}'));
      await writer.abort();
      const out = await s3.send(new ListObjectsV2Command({ Bucket: 'kdrill-plain', Prefix: 'aborted/' }));
      expect(out.Contents ?? []).toEqual([]);
    });

    it('detects an overwritten artifact, an edited manifest, and an unlisted object', async () => {
      const st = store({ prefix: 'tamper' });
      const writer = await st.create({ strategy: 's', cluster });
      await writer.put('a.json', Buffer.from('{"a":1}'));
      await writer.put('s.json', Buffer.from('{"s":"secret-value"}'), { sealed: true });
      const m = await writer.commit({});
      const sealedKey = `tamper/${m.id}/s.json`;
      const original = Buffer.from(await (await st.open(m.id)).get('a.json'));
      expect(original.toString()).toBe('{"a":1}');
      await s3.send(new PutObjectCommand({ Bucket: 'kdrill-plain', Key: `tamper/${m.id}/a.json`, Body: '{"a":2}' }));
      await s3.send(new PutObjectCommand({ Bucket: 'kdrill-plain', Key: sealedKey, Body: Buffer.alloc(20) }));
      await s3.send(new PutObjectCommand({ Bucket: 'kdrill-plain', Key: `tamper/${m.id}/extra.json`, Body: '{}' }));
      const result = await (await st.open(m.id)).verify();
      expect(result.problems).toEqual([
        expect.stringMatching(new RegExp(`^a.json: s3://kdrill-plain/tamper/${m.id}/a.json is corrupt: sha256`)),
        expect.stringMatching(/^s.json: .* 20 bytes, the manifest says 49/),
        'extra.json: file is not listed in the manifest',
      ]);
      const manifestKey = `tamper/${m.id}/manifest.json`;
      const text = JSON.stringify({ ...m, metadata: { forged: true } });
      await s3.send(new PutObjectCommand({ Bucket: 'kdrill-plain', Key: manifestKey, Body: text }));
      await expect(st.open(m.id)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: expect.stringContaining(`s3://kdrill-plain/${manifestKey}`) });
    });

    it('writes Object Lock retention on every object and calls a deleted manifest corrupt', async () => {
      const st = store({ bucket: 'kdrill-locked', prefix: 'deleted', objectLock: { mode: 'GOVERNANCE', days: 2 } });
      const before = Date.now();
      const writer = await st.create({ strategy: 's', cluster });
      await writer.put('s.json', Buffer.from('{"k":"v-123456"}'), { sealed: true });
      const m = await writer.commit({});
      const after = Date.now();
      for (const key of [`deleted/${m.id}/manifest.json`, `deleted/${m.id}/s.json`]) {
        const { Retention } = await s3.send(new GetObjectRetentionCommand({ Bucket: 'kdrill-locked', Key: key }));
        expect(Retention?.Mode, key).toBe('GOVERNANCE');
        const until = Retention!.RetainUntilDate!.getTime();
        // Two days from when the object was written, which lies between before and after (S3 keeps whole seconds).
        expect(until, key).toBeGreaterThanOrEqual(before + 2 * 86_400_000 - 1_000);
        expect(until, key).toBeLessThanOrEqual(after + 2 * 86_400_000 + 1_000);
      }
      await s3.send(new DeleteObjectCommand({ Bucket: 'kdrill-locked', Key: `deleted/${m.id}/manifest.json` }));
      await expect(st.open(m.id)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: /was deleted/ });
      // Shown, not hidden: a tampered backup must stay visible to `backups list`.
      expect(await st.list()).toEqual([{ id: m.id, strategy: 'unreadable', createdAt: '', cluster: '', sizeBytes: 0 }]);
    });

    it('reads the manifest version written at commit, and refuses a locked backup whose manifest got a newer version', async () => {
      const audit = { path: undefined, events: [] as AuditEvent[], record: async (e: AuditEvent) => void audit.events.push(e) };
      const st = store({ bucket: 'kdrill-locked', prefix: 'pinned', objectLock: { mode: 'GOVERNANCE', days: 1 }, audit });
      const writer = await st.create({ strategy: 's', cluster });
      await writer.put('a.json', Buffer.from('{"a":1}'));
      const m = await writer.commit({});
      const written = audit.events.find((e) => e.action === 'backup.write')!.details!.manifestVersionId as string;
      expect(written).toMatch(/\w+/);
      const reader = await st.open(m.id);
      expect(reader.manifestVersionId).toBe(written);
      // Someone who may put objects, and even holds the backup key, adds a newer, validly signed version: readers must not take it.
      const key = `pinned/${m.id}/manifest.json`;
      const dataKey = await keys.unwrap(m.dataKey, { backupId: m.id });
      const { rootHash: _h, rootMac: _m, ...body } = m;
      await s3.send(new PutObjectCommand({ Bucket: 'kdrill-locked', Key: key, Body: JSON.stringify(sealManifest({ ...body, metadata: { swapped: true } }, dataKey)) }));
      const refused = await st.open(m.id).catch((e) => e);
      expect(refused).toMatchObject({ code: 'E_BACKUP_CORRUPT', message: expect.stringContaining(`newer version written after the locked version ${written}`) });
      // A newer version of an artifact cannot shadow the committed one either: it is read at its locked version.
      const other = await st.create({ strategy: 's', cluster });
      await other.put('a.json', Buffer.from('{"a":2}'));
      const n = await other.commit({});
      await s3.send(new PutObjectCommand({ Bucket: 'kdrill-locked', Key: `pinned/${n.id}/a.json`, Body: '{"a":666}' }));
      expect((await (await st.open(n.id)).get('a.json')).toString()).toBe('{"a":2}');
    });

    it('refuses a locked store\'s manifest that carries no lock, and a rewrap that would add a manifest version', async () => {
      const plain = store({ bucket: 'kdrill-locked', prefix: 'unlocked' });
      const writer = await plain.create({ strategy: 's', cluster });
      await writer.put('a.json', Buffer.from('{}'));
      const m = await writer.commit({});
      await expect(store({ bucket: 'kdrill-locked', prefix: 'unlocked', objectLock: { mode: 'GOVERNANCE', days: 1 } }).open(m.id)).rejects.toMatchObject({
        code: 'E_BACKUP_CORRUPT',
        message: /carries no Object Lock retention/,
      });
      const locked = store({ bucket: 'kdrill-locked', prefix: 'unlocked', objectLock: { mode: 'GOVERNANCE', days: 1 } });
      const w2 = await locked.create({ strategy: 's', cluster });
      await w2.put('a.json', Buffer.from('{}'));
      const n = await w2.commit({});
      await expect(rewrapBackup(locked, n.id, keys, keys)).rejects.toMatchObject({ code: 'E_STORE', message: /under Object Lock/ });
      // Once the retention has run out (a reader two days on), the backup still opens: old backups outlive their lock.
      const later = store({ bucket: 'kdrill-locked', prefix: 'unlocked', objectLock: { mode: 'GOVERNANCE', days: 1 }, now: () => new Date(Date.now() + 2 * 86_400_000) });
      expect((await later.open(n.id)).manifest.id).toBe(n.id);
    });

    it('prunes: deletes every version of unlocked backups and partials, keeps locked ones as kept-by-lock', async () => {
      const audit = { path: undefined, events: [] as AuditEvent[], record: async (e: AuditEvent) => void audit.events.push(e) };
      const day = 86_400_000;
      const at = (daysAgo: number) => () => new Date(Date.now() - daysAgo * day - 3_600_000);
      const make = async (daysAgo: number, lock: boolean) => {
        const st = store({ bucket: 'kdrill-locked', prefix: 'retention', audit, now: at(daysAgo), ...(lock ? { objectLock: { mode: 'GOVERNANCE' as const, days: 5 } } : {}) });
        const writer = await st.create({ strategy: 's', cluster });
        await writer.put('s.json', Buffer.from('{"s":"x"}'), { sealed: true });
        return (await writer.commit({})).id;
      };
      const lockedOld = await make(3, true);
      const unlockedOld = await make(2, false);
      const newest = await make(0, false);
      // A partial backup whose objects were written two days ago (S3 keeps their real LastModified, so a stale one is simulated by the clock).
      const partial = await store({ bucket: 'kdrill-locked', prefix: 'retention', now: at(0) }).create({ strategy: 's', cluster });
      await partial.put('x.json', Buffer.from('{}'));
      const st = store({ bucket: 'kdrill-locked', prefix: 'retention', audit });
      const later = new Date(Date.now() + 2 * day);
      const plan = await planPrune(st, { last: 1 }, later);
      expect(plan.backups.map((b) => [b.id, b.action])).toEqual([[newest, 'keep'], [unlockedOld, 'delete'], [lockedOld, 'kept-by-lock']]);
      expect(plan.backups[2]!.lock).toMatchObject({ mode: 'GOVERNANCE', until: expect.any(String) });
      expect(plan.partial).toEqual([expect.objectContaining({ id: partial.id, action: 'delete', objects: 1 })]);
      // The dry run changed nothing.
      expect((await st.list()).map((s) => s.id)).toEqual([lockedOld, unlockedOld, newest]);
      await applyPrune(st, plan);
      expect((await st.list()).map((s) => s.id)).toEqual([lockedOld, newest]);
      expect(await st.listPartial()).toEqual([]);
      const left = await s3.send(new ListObjectVersionsCommand({ Bucket: 'kdrill-locked', Prefix: `retention/${unlockedOld}/` }));
      expect([...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])]).toEqual([]);
      expect(audit.events.filter((e) => e.action === 'backup.delete').map((e) => e.subject)).toEqual([unlockedOld, partial.id]);
      // Asked directly, the store refuses to delete a locked backup and says why.
      expect(await st.delete(lockedOld)).toMatchObject({ status: 'locked', removed: 0, lock: { mode: 'GOVERNANCE' } });
      expect((await (await st.open(lockedOld)).get('s.json')).toString()).toBe('{"s":"x"}');
    });

    it('re-wraps a backup after a key rotation', async () => {
      const st = store({ prefix: 'rewrap' });
      const writer = await st.create({ strategy: 's', cluster });
      await writer.put('s.json', Buffer.from('{"k":"rotate-me-123"}'), { sealed: true });
      const m = await writer.commit({});
      await rotateKeyFile(keyFile);
      const rotated = await LocalKeyProvider.fromFile(keyFile);
      expect(await rewrapBackup(st, m.id, rotated, rotated)).toMatchObject({ status: 'rewrapped', to: `local:${keys.keyId}@v2` });
      const reader = await store({ prefix: 'rewrap', keys: rotated }).open(m.id);
      expect(reader.manifest.dataKey?.keyVersion).toBe('2');
      expect((await reader.get('s.json')).toString()).toBe('{"k":"rotate-me-123"}');
    });

    it('explains a missing bucket', async () => {
      const error = await store({ bucket: 'no-such-bucket' }).list().catch((e) => e);
      expect(error).toMatchObject({ code: 'E_STORE', message: /NoSuchBucket/, hint: /create the bucket/ });
    });
  });
}
