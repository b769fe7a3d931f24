import {
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { mapLimit } from '../core/map-limit.js';
import type { BackupLock } from './types.js';

/** One stored version of an object, or a delete marker. */
export interface ObjectVersion {
  key: string;
  /** `null` (the string) on a bucket that never had versioning. */
  versionId: string;
  deleteMarker: boolean;
  isLatest: boolean;
  size: number;
  lastModified?: Date;
}

/** Every version and delete marker under `prefix`, per key, newest first (S3's listing order within a key). */
export async function listVersions(client: S3Client, bucket: string, prefix: string): Promise<Map<string, ObjectVersion[]>> {
  const byKey = new Map<string, ObjectVersion[]>();
  const add = (v: ObjectVersion) => byKey.set(v.key, [...(byKey.get(v.key) ?? []), v]);
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const out = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
    for (const v of out.Versions ?? []) {
      add({ key: v.Key!, versionId: v.VersionId ?? 'null', deleteMarker: false, isLatest: v.IsLatest === true, size: v.Size ?? 0, lastModified: v.LastModified });
    }
    for (const d of out.DeleteMarkers ?? []) {
      add({ key: d.Key!, versionId: d.VersionId ?? 'null', deleteMarker: true, isLatest: d.IsLatest === true, size: 0, lastModified: d.LastModified });
    }
    [keyMarker, versionMarker] = out.IsTruncated ? [out.NextKeyMarker, out.NextVersionIdMarker] : [undefined, undefined];
  } while (keyMarker);
  for (const versions of byKey.values()) versions.sort(newestFirst);
  return byKey;
}

/** Newest first: the latest on top; markers and versions (separate lists in S3's answer) merged by time. */
function newestFirst(a: ObjectVersion, b: ObjectVersion): number {
  if (a.isLatest !== b.isLatest) return a.isLatest ? -1 : 1;
  if (a.deleteMarker === b.deleteMarker) return 0;
  return (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0);
}

/** Whether the bucket has Object Lock enabled (then every version may carry retention). */
export async function bucketLockEnabled(client: S3Client, bucket: string): Promise<boolean> {
  try {
    const out = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    return out.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
  } catch (error) {
    if (isNoLock(error)) return false;
    throw error;
  }
}

/** The Object Lock settings of one object version, expired or not. */
export interface Retention {
  mode?: string;
  until?: Date;
  legalHold: boolean;
}

/** Retention and legal hold of one object version (undefined for a delete marker or a version never locked). */
export async function versionRetention(client: S3Client, bucket: string, version: ObjectVersion): Promise<Retention | undefined> {
  if (version.deleteMarker) return undefined;
  const id = version.versionId === 'null' ? {} : { VersionId: version.versionId };
  const [retention, hold] = await Promise.all([
    client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: version.key, ...id })).then((o) => o.Retention, noLock),
    client.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: version.key, ...id })).then((o) => o.LegalHold, noLock),
  ]);
  if (!retention?.Mode && hold?.Status !== 'ON') return undefined;
  return { ...(retention?.Mode ? { mode: retention.Mode } : {}), ...(retention?.RetainUntilDate ? { until: retention.RetainUntilDate } : {}), legalHold: hold?.Status === 'ON' };
}

/** The lock a retention still imposes at `now` (a legal hold always does), or undefined when the version may be deleted. */
export function lockInForce(retention: Retention | undefined, now: Date): BackupLock | undefined {
  if (!retention) return undefined;
  const retained = retention.mode !== undefined && retention.until !== undefined && retention.until.getTime() > now.getTime();
  if (!retained && !retention.legalHold) return undefined;
  return { mode: retained ? retention.mode! : 'LEGAL_HOLD', ...(retained ? { until: retention.until!.toISOString() } : {}), ...(retention.legalHold ? { legalHold: true } : {}) };
}

/** Retention in force at `now` (or a legal hold) on one object version; undefined when it may be deleted. */
export async function versionLock(client: S3Client, bucket: string, version: ObjectVersion, now: Date): Promise<BackupLock | undefined> {
  return lockInForce(await versionRetention(client, bucket, version), now);
}

/** The lock that keeps the longest among `versions` (a legal hold beats any date), or undefined. */
export async function strongestLock(client: S3Client, bucket: string, versions: ObjectVersion[], now: Date): Promise<BackupLock | undefined> {
  const locks = (await mapLimit(versions, 8, (v) => versionLock(client, bucket, v, now))).filter((l): l is BackupLock => l !== undefined);
  return locks.sort((a, b) => Number(b.legalHold ?? false) - Number(a.legalHold ?? false) || (b.until ?? '').localeCompare(a.until ?? ''))[0];
}

function isNoLock(error: unknown): boolean {
  const name = (error as { name?: string }).name ?? '';
  return /ObjectLockConfiguration|NoSuchObjectLockConfiguration|InvalidRequest/.test(name);
}

function noLock(error: unknown): undefined {
  if (isNoLock(error)) return undefined;
  throw error;
}
