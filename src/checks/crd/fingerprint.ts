import { canonicalJson } from '../../core/canonical-json.js';
import { createHash, X509Certificate } from 'node:crypto';
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
  /** `service ns/name:port/path` or `url <the URL>`, for the webhook strategy. */
  endpoint?: string;
  /** The webhook's Service, when it has one: `ns/name`. */
  service?: string;
  /** The caBundle's certificates (subject, expiry, sha256), or why it does not parse; absent when there is none. */
  caBundle?: CaBundlePrint;
}

/** What a caBundle holds: its certificates, or the reason it is unusable. */
export type CaBundlePrint = { certificates: CertificatePrint[] } | { error: string };

export interface CertificatePrint {
  subject: string;
  notAfter: string;
  sha256: string;
}

/** The names a CRD's clients use: kubectl, RBAC rules and discovery all depend on them. */
export interface NamesPrint {
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  shortNames: string[];
  categories: string[];
}

/** A CRD reduced to what restores break: versions, schemas, subresources, printer columns, conversion, storage. */
export interface CrdFingerprint {
  name: string;
  group: string;
  kind: string;
  plural: string;
  names: NamesPrint;
  scope: string;
  storageVersion: string | undefined;
  /** status.storedVersions: versions objects may still be stored at. */
  storedVersions: string[];
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
  const names = crd.spec.names as Partial<NamesPrint> & { plural: string; kind: string };
  return {
    name: crd.metadata.name,
    group: crd.spec.group,
    kind: names.kind,
    plural: names.plural,
    names: {
      plural: names.plural,
      singular: names.singular ?? '',
      kind: names.kind,
      listKind: names.listKind ?? '',
      shortNames: [...(names.shortNames ?? [])].sort(),
      categories: [...(names.categories ?? [])].sort(),
    },
    scope: crd.spec.scope,
    storageVersion: crd.spec.versions.find((v) => v.storage)?.name,
    storedVersions: [...((crd.status as { storedVersions?: string[] } | undefined)?.storedVersions ?? [])],
    versions,
    conversion: conversionOf(crd),
  };
}

/** The conversion settings of a CRD: strategy, webhook endpoint (by value) and the caBundle's certificates. */
export function conversionOf(crd: CrdObject): ConversionPrint {
  const conversion = (crd.spec.conversion ?? {}) as {
    strategy?: string;
    webhook?: { clientConfig?: { service?: { namespace?: string; name?: string; port?: number; path?: string }; url?: string; caBundle?: string } };
  };
  const strategy = conversion.strategy ?? 'None';
  if (strategy !== 'Webhook') return { strategy };
  const client = conversion.webhook?.clientConfig ?? {};
  const s = client.service;
  const endpoint = s?.name ? `service ${s.namespace}/${s.name}:${s.port ?? 443}${s.path ?? ''}` : client.url ? `url ${client.url}` : undefined;
  return {
    strategy,
    ...(endpoint ? { endpoint } : {}),
    ...(s?.name ? { service: `${s.namespace}/${s.name}` } : {}),
    ...(client.caBundle ? { caBundle: caBundlePrint(client.caBundle) } : {}),
  };
}

/** Parses a caBundle (base64 of one or more PEM certificates) into subject, expiry and fingerprint of each. */
export function caBundlePrint(caBundle: string): CaBundlePrint {
  const pem = Buffer.from(caBundle, 'base64').toString('utf8');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (!blocks.length) return { error: 'holds no PEM certificate' };
  try {
    return {
      certificates: blocks.map((block) => {
        const cert = new X509Certificate(block);
        return { subject: cert.subject.replace(/\n/g, ', '), notAfter: new Date(cert.validTo).toISOString(), sha256: cert.fingerprint256 };
      }),
    };
  } catch (error) {
    return { error: `does not parse: ${(error as Error).message}` };
  }
}

/** sha256 (16 hex) of the canonical JSON of a value: key order never changes the hash. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

