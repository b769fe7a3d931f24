import { Type } from '@sinclair/typebox';
import type { ClusterProvider } from '../types.js';
import { createLocalCluster } from './create.js';

const LocalOptions = Type.Object(
  {
    binDir: Type.Optional(Type.String({ description: 'Folder with kube-apiserver, kube-controller-manager, etcd, etcdctl, etcdutl' })),
    fsync: Type.Optional(Type.Boolean({ description: 'Keep etcd fsync on (slower, durable)' })),
    controllers: Type.Optional(Type.Array(Type.String(), { description: 'kube-controller-manager --controllers list' })),
    apiserverPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    etcdPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    etcdMembers: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(3), Type.Literal(5)], { description: 'etcd members, each a process with peer TLS on loopback (default 1); 3 or 5 rehearse quorum loss and member replacement' })),
  },
  { additionalProperties: false },
);

/** The embedded default: etcd, kube-apiserver and kube-controller-manager as processes on loopback. */
export const localProvider: ClusterProvider = {
  id: 'local',
  description: 'etcd + kube-apiserver + kube-controller-manager as local processes on loopback (no containers, no root)',
  capabilities: { etcd: true, componentControl: true, createsClusters: true },
  optionsSchema: LocalOptions,
  unavailableReason: async () => undefined,
  create: async ({ name, options = {}, logger }) =>
    createLocalCluster({
      ...(name ? { name } : {}),
      binDir: options.binDir as string | undefined,
      fsync: options.fsync as boolean | undefined,
      controllers: options.controllers as string[] | undefined,
      etcdMembers: options.etcdMembers as number | undefined,
      ports: { apiserver: options.apiserverPort as number | undefined, etcdClient: options.etcdPort as number | undefined },
      logger,
    }),
};
