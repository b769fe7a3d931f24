import { describe, expect, it } from 'vitest';
import { defaultCatalog } from './catalog.js';
import { checkCrossFields } from './cross-rules.js';

const spec = (members: number | undefined, provider = 'local') => ({
  cluster: { provider, ...(members === undefined ? {} : { options: { etcdMembers: members } }) },
  backup: { strategy: 'etcd-member-replace' },
  chaos: [{ step: 'delete-secrets' }, { step: 'quorum-loss' }],
  checks: [{ check: 'etcd-consistency' }],
});

describe('etcd members a scenario needs', () => {
  it('refuses quorum-loss and etcd-member-replace on a local cluster of fewer than 3 members, naming the field and the fix', () => {
    const problems = checkCrossFields(spec(undefined), defaultCatalog());
    expect(problems).toEqual([
      { path: ['spec', 'backup', 'strategy'], at: 'value', message: 'strategy etcd-member-replace needs 3 or more etcd members; this local cluster has 1', hint: 'set spec.cluster.options.etcdMembers: 3' },
      { path: ['spec', 'chaos', 1, 'step'], at: 'value', message: 'chaos step quorum-loss needs 3 or more etcd members; this local cluster has 1', hint: 'set spec.cluster.options.etcdMembers: 3' },
    ]);
  });

  it('accepts them with 3 members, and leaves other providers to the run (their members are not known before)', () => {
    expect(checkCrossFields(spec(3), defaultCatalog())).toEqual([]);
    expect(checkCrossFields(spec(undefined, 'kubeconfig'), defaultCatalog())).toEqual([]);
  });
});
