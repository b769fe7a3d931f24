import { canonicalJson } from '../../core/canonical-json.js';
import { createHash } from 'node:crypto';
import type { CrdObject } from './validate-cr.js';

/** What the baseline keeps of one CRD version: hashes to compare plus the parts needed to say what differs. */
export interface VersionPrint {
  served: boolean;
  storage: boolean;
  schemaHash: string;
  subresourcesHash: string;
  printerColumnsHash: string;
  schema: unknown;
  subresources: unknown;
  printerColumns: PrinterColumn[];
}

export interface PrinterColumn {
  name: string;
  type?: string;
  jsonPath?: string;
  [field: string]: unknown;
}

export interface ConversionPrint {
  strategy: string;
  /** `service ns/name:port` or `url`, for the webhook strategy. */
  endpoint?: string;
  caBundle: boolean;
}

/** A CRD reduced to what restores break: versions, schemas, subresources, printer columns, conversion, storage. */
export interface CrdFingerprint {
  name: string;
  group: string;
  kind: string;
  plural: string;
  scope: string;
  storageVersion: string | undefined;
  versions: Record<string, VersionPrint>;
  conversion: ConversionPrint;
}

/** Fingerprint a CRD as read from the server. */
export function fingerprintCrd(crd: CrdObject): CrdFingerprint {
  const versions: Record<string, VersionPrint> = {};
  for (const v of crd.spec.versions) {
    const raw = v as Record<string, unknown>;
    const schema = v.schema?.openAPIV3Schema ?? null;
    const subresources = raw.subresources ?? null;
    const printerColumns = (raw.additionalPrinterColumns as PrinterColumn[] | undefined) ?? [];
    versions[v.name] = {
      served: v.served,
      storage: v.storage,
      schemaHash: stableHash(schema),
      subresourcesHash: stableHash(subresources),
      printerColumnsHash: stableHash(printerColumns),
      schema,
      subresources,
      printerColumns,
    };
  }
  return {
    name: crd.metadata.name,
    group: crd.spec.group,
    kind: crd.spec.names.kind,
    plural: crd.spec.names.plural,
    scope: crd.spec.scope,
    storageVersion: crd.spec.versions.find((v) => v.storage)?.name,
    versions,
    conversion: conversionOf(crd),
  };
}

/** The conversion settings of a CRD: strategy, webhook endpoint and whether a CA bundle is set. */
export function conversionOf(crd: CrdObject): ConversionPrint {
  const conversion = (crd.spec.conversion ?? {}) as {
    strategy?: string;
    webhook?: { clientConfig?: { service?: { namespace?: string; name?: string; port?: number }; url?: string; caBundle?: string } };
  };
  const strategy = conversion.strategy ?? 'None';
  if (strategy !== 'Webhook') return { strategy, caBundle: false };
  const client = conversion.webhook?.clientConfig ?? {};
  const service = client.service;
  const endpoint = service?.name ? `service ${service.namespace}/${service.name}:${service.port ?? 443}` : client.url ? 'url' : undefined;
  return { strategy, ...(endpoint ? { endpoint } : {}), caBundle: Boolean(client.caBundle) };
}

/** sha256 (16 hex) of the canonical JSON of a value: key order never changes the hash. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

