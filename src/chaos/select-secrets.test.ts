import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/types.js';
import { namespacesToList, refusedSystemRefs, selectionProblems, selects, type SecretSelection } from './select-secrets.js';

const secret = (namespace: string, name: string, type = 'Opaque'): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace, name }, type });
const sel = (over: Partial<SecretSelection>): SecretSelection => ({
  namespaces: undefined,
  names: undefined,
  labelSelector: undefined,
  includeSystemNamespaces: false,
  includeSystemSecrets: false,
  ...over,
});

describe('delete-secrets selection', () => {
  it('takes every non-system Secret of the given namespaces', () => {
    const s = sel({ namespaces: ['shop'] });
    expect(selects(s, secret('shop', 'db'))).toBe(true);
    expect(selects(s, secret('shop', 'default-token', 'kubernetes.io/service-account-token'))).toBe(false);
    expect(selects(s, secret('billing', 'db'))).toBe(false);
    expect(selects({ ...s, includeSystemSecrets: true }, secret('shop', 'default-token', 'kubernetes.io/service-account-token'))).toBe(true);
  });

  it('never selects kube-system through a label selector unless asked', () => {
    const s = sel({ labelSelector: 'app=x' });
    expect(namespacesToList(s)).toBeUndefined();
    expect(selects(s, secret('kube-system', 'x'))).toBe(false);
    expect(selects(s, secret('shop', 'x'))).toBe(true);
    expect(selects({ ...s, includeSystemNamespaces: true }, secret('kube-system', 'x'))).toBe(true);
  });

  it('matches namespace/name refs anywhere and bare names only in the given namespaces, whatever their type', () => {
    const s = sel({ namespaces: ['shop'], names: ['db', 'billing/api-key'] });
    expect(namespacesToList(s)).toEqual(['shop', 'billing']);
    expect(selects(s, secret('shop', 'db'))).toBe(true);
    expect(selects(s, secret('billing', 'db'))).toBe(false);
    expect(selects(s, secret('billing', 'api-key'))).toBe(true);
    expect(selects(s, secret('shop', 'other'))).toBe(false);
    expect(selects(sel({ names: ['shop/tok'] }), secret('shop', 'tok', 'kubernetes.io/service-account-token'))).toBe(true);
  });

  it('reports options no schema can express', () => {
    expect(selectionProblems(sel({}))).toEqual(['set namespaces, names or labelSelector']);
    expect(selectionProblems(sel({ names: ['db', 'shop/x'] }))).toEqual(['names db need a namespace: write namespace/name or set namespaces']);
    expect(selectionProblems(sel({ names: ['shop/x'] }))).toEqual([]);
  });

  it('refuses system namespaces named explicitly unless includeSystemNamespaces', () => {
    expect(refusedSystemRefs(sel({ namespaces: ['kube-system', 'shop'], names: ['kube-public/x'] }))).toEqual(['kube-system', 'kube-public/x']);
    expect(refusedSystemRefs(sel({ namespaces: ['kube-system'], includeSystemNamespaces: true }))).toEqual([]);
  });
});
