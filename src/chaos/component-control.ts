import { Type } from '@sinclair/typebox';
import type { ChaosStep, DrillContext } from '../contracts/types.js';
import type { ComponentName } from '../providers/types.js';
import { assertDestructiveAllowed } from '../contracts/guard.js';
import { DurationOption, durationMs, invalidOption, parseStepOptions } from './options.js';
import { downFor } from './wait.js';

/** Options shared by stop-component and kill-component. */
export const ComponentOptions = Type.Object(
  {
    component: Type.Union([Type.Literal('etcd'), Type.Literal('kube-apiserver'), Type.Literal('kube-controller-manager')]),
    restartAfter: Type.Optional(DurationOption('Start the component again this long after it stopped (default: leave it stopped)')),
  },
  { additionalProperties: false },
);

/** How the component goes down: SIGTERM with a grace period, or SIGKILL. */
export type StopMode = 'stop' | 'kill';

/** A step that stops or kills one control-plane component and optionally starts it again; it blocks only for the stop, the delay and the start. */
export function componentStep(id: string, mode: StopMode, description: string): ChaosStep {
  return {
    id,
    description,
    optionsSchema: ComponentOptions,
    destructive: true,
    async run(ctx, raw) {
      assertDestructiveAllowed(ctx, id);
      const o = parseStepOptions(id, ComponentOptions, raw);
      requireControl(ctx, id, o.component);
      const verb = mode === 'kill' ? 'killed (SIGKILL)' : 'stopped';
      const started = ctx.clock.now();
      await (mode === 'kill' ? ctx.cluster.killComponent(o.component) : ctx.cluster.stopComponent(o.component));
      if (o.restartAfter === undefined) {
        ctx.facts.set(`chaos.${id}`, { component: o.component, restarted: false });
        return `${verb} ${o.component} of cluster ${ctx.cluster.name}; left stopped`;
      }
      await downFor(durationMs(o.restartAfter), ctx.signal, () => ctx.cluster.startComponent(o.component));
      const downMs = ctx.clock.now() - started;
      ctx.facts.set(`chaos.${id}`, { component: o.component, restarted: true, downMs });
      return `${verb} ${o.component} of cluster ${ctx.cluster.name}, started it again after ${o.restartAfter}; back after ${(downMs / 1000).toFixed(1)}s`;
    },
  };
}

function requireControl(ctx: DrillContext, id: string, component: ComponentName): void {
  if (ctx.cluster.components.includes(component)) return;
  throw invalidOption(
    id,
    `cluster ${ctx.cluster.name} (provider ${ctx.cluster.provider}) cannot control ${component}`,
    `this provider controls ${ctx.cluster.components.join(', ') || 'no components'}; use the local provider for component chaos`,
  );
}
