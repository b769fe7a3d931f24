import { describe, expect, it } from 'vitest';
import { readiness } from './readyz.js';

describe('readiness', () => {
  it('names the failing checks, and tells an unready apiserver from a silent one', async () => {
    const body = '[+]ping ok\n[-]etcd failed: reason withheld\n[-]etcd-readiness failed: reason withheld\nreadyz check failed';
    expect(await readiness({ raw: async () => ({ status: 500, body }) })).toEqual({ ready: false, answered: true, failing: ['etcd', 'etcd-readiness'] });
    expect(await readiness({ raw: async () => ({ status: 200, body: '[+]ping ok\nreadyz check passed' }) })).toEqual({ ready: true, answered: true, failing: [] });
    expect(await readiness({ raw: async () => Promise.reject(new Error('ECONNREFUSED')) })).toEqual({ ready: false, answered: false, failing: [] });
  });
});
