import { componentStep } from './component-control.js';

/** Stops a control-plane component (SIGTERM, then SIGKILL after a grace period); `restartAfter` brings it back. */
export const stopComponent = componentStep(
  'stop-component',
  'stop',
  'Stop a control-plane component (etcd, kube-apiserver, kube-controller-manager); restartAfter starts it again',
);
