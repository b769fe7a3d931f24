import { createHmac } from 'node:crypto';

/** HMAC-SHA256 of a value under a per-run key (hex): compares Secret values across clusters without storing them. */
export function keyedHash(runKey: Buffer, value: string | Buffer): string {
  return createHmac('sha256', runKey).update(value).digest('hex');
}
