import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

// @peculiar/x509 (~0.1 s to import) is loaded by the first generateClusterPki(), not by whoever imports the provider.
let x509: typeof X509;
async function loadX509(): Promise<void> {
  if (x509) return;
  // It resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata polyfill.
  await import('reflect-metadata');
  x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as never);
}

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

interface Authority {
  cert: X509.X509Certificate;
  keys: CryptoKeyPair;
  certPem: string;
  keyPem: string;
}

/** Every certificate and key a local cluster needs; all ECDSA P-256 (fast to generate, accepted by etcd and Kubernetes). */
export interface ClusterPki {
  ca: KeyPairPem;
  etcdServer: KeyPairPem;
  etcdClient: KeyPairPem;
  apiserverServing: KeyPairPem;
  admin: KeyPairPem;
  controllerManager: KeyPairPem;
  serviceAccount: { keyPem: string; publicKeyPem: string };
  /** 32 random bytes, base64: the secretbox key of the EncryptionConfiguration. */
  encryptionKey: string;
}

/** Generate a fresh CA and the leaf certificates for one local cluster (valid one year). */
export async function generateClusterPki(clusterName: string): Promise<ClusterPki> {
  const ca = await createAuthority(`kdrill-${clusterName}-ca`);
  const loopback = { dns: ['localhost'], ips: ['127.0.0.1'] };
  const [etcdServer, etcdClient, apiserverServing, admin, controllerManager, sa] = await Promise.all([
    issue(ca, 'CN=etcd', ['server', 'client'], loopback),
    issue(ca, 'CN=kube-apiserver-etcd-client', ['client']),
    issue(ca, 'CN=kube-apiserver', ['server'], {
      dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
      ips: ['127.0.0.1', '10.0.0.1'],
    }),
    issue(ca, 'CN=kdrill-admin, O=system:masters', ['client']),
    issue(ca, 'CN=system:kube-controller-manager', ['client']),
    webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']),
  ]);
  return {
    ca: { certPem: ca.certPem, keyPem: ca.keyPem },
    etcdServer,
    etcdClient,
    apiserverServing,
    admin,
    controllerManager,
    serviceAccount: { keyPem: privatePem(sa.privateKey), publicKeyPem: publicPem(sa.publicKey) },
    encryptionKey: randomBytes(32).toString('base64'),
  };
}

async function createAuthority(commonName: string): Promise<Authority> {
  await loadX509();
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 3650 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys, certPem: cert.toString('pem'), keyPem: privatePem(keys.privateKey) };
}

async function issue(
  ca: Authority,
  subject: string,
  usages: ('server' | 'client')[],
  san?: { dns: string[]; ips: string[] },
): Promise<KeyPairPem> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const eku = usages.map((u) => (u === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth));
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(eku),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
  ];
  if (san) {
    const names = [...san.dns.map((value) => ({ type: 'dns' as const, value })), ...san.ips.map((value) => ({ type: 'ip' as const, value }))];
    extensions.push(new x509.SubjectAlternativeNameExtension(names));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 365 * DAY),
    signingKey: ca.keys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions,
  });
  return { certPem: cert.toString('pem'), keyPem: privatePem(keys.privateKey) };
}

function privatePem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

function publicPem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'spki', format: 'pem' }).toString();
}

function serial(): string {
  // Positive 64-bit serial: clear the top bit so DER does not read it as negative.
  const bytes = randomBytes(8);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

/** A self-signed certificate and its key (fixtures: kubernetes.io/tls Secrets generated at seed time). */
export async function selfSignedTls(commonName: string): Promise<KeyPairPem> {
  const authority = await createAuthority(commonName);
  return { certPem: authority.certPem, keyPem: authority.keyPem };
}
