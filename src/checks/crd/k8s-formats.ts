import { isIP, isIPv4, isIPv6 } from 'node:net';

type FormatTest = (value: string) => boolean;

const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
// go-openapi's strfmt also takes `3 days`, `1w`: the apiserver validates `duration` with it.
const STRFMT_DURATION = /^\d+\s*(ns|us|µs|ms|s|sec|second|seconds|m|min|minute|minutes|h|hr|hour|hours|d|day|days|w|wk|week|weeks)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAC = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$|^([0-9a-f]{2}[:-]){7}[0-9a-f]{2}$|^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/i;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*\.?$/i;

/**
 * String formats the apiserver checks in custom resources, as lenient tests. Any other format (int32, int64, float,
 * double, password, uri, email...) is accepted as Kubernetes accepts it: unknown formats are ignored.
 */
export const K8S_FORMATS: Record<string, FormatTest> = {
  'date-time': (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T'))),
  datetime: (v) => DATE_TIME.test(v),
  date: (v) => DATE.test(v) && !Number.isNaN(Date.parse(v)),
  duration: (v) => GO_DURATION.test(v) || STRFMT_DURATION.test(v) || v === '0',
  byte: (v) => v.length % 4 === 0 && BASE64.test(v),
  uuid: (v) => UUID.test(v),
  uuid3: (v) => UUID.test(v),
  uuid4: (v) => UUID.test(v),
  uuid5: (v) => UUID.test(v),
  ipv4: (v) => isIPv4(v),
  ipv6: (v) => isIPv6(v),
  cidr: (v) => isCidr(v),
  mac: (v) => MAC.test(v),
  hostname: (v) => HOSTNAME.test(v),
};

function isCidr(value: string): boolean {
  const [ip = '', prefix, extra] = value.split('/');
  if (extra !== undefined || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
  const family = isIP(ip);
  return family !== 0 && Number(prefix) <= (family === 4 ? 32 : 128);
}
