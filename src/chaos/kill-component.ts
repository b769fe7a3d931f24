import { componentStep } from './component-control.js';

/** Kills a control-plane component with SIGKILL (no graceful shutdown); `restartAfter` brings it back. */
export const killComponent = componentStep(
  'kill-component',
  'kill',
  'Kill a control-plane component with SIGKILL (no graceful shutdown); restartAfter starts it again',
);
