import type { KubeClient } from '../../kube/client.js';
import { describeError } from '../../core/errors.js';
import { registerSensitive } from '../../core/redact.js';
import { objectPath } from '../../kube/paths.js';

/** Whether a ServiceAccount can still get a token the apiserver accepts (never the token itself). */
export interface TokenProbe {
  serviceAccount: string;
  ok: boolean;
  /** `token accepted as system:serviceaccount:shop:web`, or what failed. */
  detail: string;
}

interface TokenRequestJson {
  status?: { token?: string };
}

interface TokenReviewJson {
  status?: { authenticated?: boolean; user?: { username?: string }; error?: string };
}

/** TokenRequest for `namespace/name`; returns the token (registered as sensitive) or why there is none. */
export async function issueServiceAccountToken(client: KubeClient, namespace: string, name: string, seconds = 600): Promise<{ token?: string; detail?: string }> {
  try {
    const issued = await client.request<TokenRequestJson>('POST', `${objectPath('v1', 'serviceaccounts', name, namespace)}/token`, {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: seconds } },
    });
    const token = issued.status?.token;
    if (!token) return { detail: 'TokenRequest returned no token' };
    registerSensitive(token);
    return { token };
  } catch (error) {
    return { detail: `TokenRequest failed: ${describeError(error)}` };
  }
}

/** TokenReview of `token`: accepted as `namespace/name`'s ServiceAccount, or why not. */
export async function reviewServiceAccountToken(client: KubeClient, namespace: string, name: string, token: string): Promise<TokenProbe> {
  const serviceAccount = `${namespace}/${name}`;
  const expected = `system:serviceaccount:${namespace}:${name}`;
  try {
    const review = await client.request<TokenReviewJson>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    });
    const status = review.status ?? {};
    if (!status.authenticated) return { serviceAccount, ok: false, detail: `TokenReview rejected the token${status.error ? `: ${status.error}` : ''}` };
    const user = status.user?.username ?? '';
    if (user !== expected) return { serviceAccount, ok: false, detail: `TokenReview authenticated ${user || 'nobody'}, expected ${expected}` };
    return { serviceAccount, ok: true, detail: `token accepted as ${user}` };
  } catch (error) {
    return { serviceAccount, ok: false, detail: `TokenReview failed: ${describeError(error)}` };
  }
}

/** TokenRequest for `namespace/name`, then a TokenReview of the new token: proves the restored ServiceAccount can get working tokens. */
export async function probeServiceAccountToken(client: KubeClient, namespace: string, name: string): Promise<TokenProbe> {
  const issued = await issueServiceAccountToken(client, namespace, name);
  if (!issued.token) return { serviceAccount: `${namespace}/${name}`, ok: false, detail: issued.detail ?? 'no token' };
  return reviewServiceAccountToken(client, namespace, name, issued.token);
}
