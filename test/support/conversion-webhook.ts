import 'reflect-metadata';
import { createServer, type Server } from 'node:https';
import { webcrypto } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';

/** A CRD conversion webhook on 127.0.0.1 (HTTPS, its own CA): converts by rewriting apiVersion, or fails on demand. */
export interface ConversionWebhook {
  url: string;
  /** base64 PEM of the certificate the apiserver must trust (the CRD's caBundle). */
  caBundle: string;
  /** ConversionReviews answered so far. */
  requests: number;
  /** Answer every review with a Failure. */
  failing: boolean;
  close(): Promise<void>;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

export async function startConversionWebhook(): Promise<ConversionWebhook> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=kdrill-test-conversion',
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 86_400_000),
    keys,
    signingAlgorithm: ALG,
    // Go verifies the IP against the subjectAltName, never the common name.
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]), new x509.BasicConstraintsExtension(true)],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const pem = cert.toString('pem');
  const hook = { requests: 0, failing: false } as ConversionWebhook;
  const server: Server = createServer({ cert: pem, key: `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n` }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hook.requests++;
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: { uid: string; desiredAPIVersion: string; objects: Record<string, unknown>[] } };
      const { uid, desiredAPIVersion, objects } = review.request;
      const response = hook.failing
        ? { uid, result: { status: 'Failure', message: 'test webhook refuses to convert' } }
        : { uid, result: { status: 'Success' }, convertedObjects: objects.map((o) => ({ ...o, apiVersion: desiredAPIVersion })) };
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(hook, {
    url: `https://127.0.0.1:${port}/convert`,
    caBundle: Buffer.from(pem).toString('base64'),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
