import type { ClusterProvider } from './types.js';
import { localProvider } from './local/index.js';
import { k3sProvider } from './k3s/index.js';
import { kindProvider } from './kind/index.js';
import { kubeconfigProvider } from './kubeconfig.js';

/** Every cluster provider by its scenario id. A new provider = one file (or folder) + one line here. */
export const PROVIDERS: Record<string, ClusterProvider> = {
  local: localProvider,
  k3s: k3sProvider,
  kind: kindProvider,
  kubeconfig: kubeconfigProvider,
};
