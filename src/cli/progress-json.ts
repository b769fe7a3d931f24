import type { Logger } from '../core/logger.js';
import type { ProgressSink } from '../engine/progress.js';

/** Progress as structured log events (with --json): one JSON line per phase and step change, for log pipelines. */
export function createJsonProgress(logger: Logger): ProgressSink {
  return {
    scenarioStarted: (scenario) => logger.info('scenario started', { event: 'scenario.started', scenario }),
    phaseStarted: (scenario, phase) => logger.info('phase started', { event: 'phase.started', scenario, phase }),
    phaseFinished: (scenario, phase, status, note) => logger.info('phase finished', { event: 'phase.finished', scenario, phase, status, ...(note ? { note } : {}) }),
    stepStarted: (scenario, phase, step) => logger.info('step started', { event: 'step.started', scenario, phase, step }),
    stepFinished: (scenario, phase, step, status, note) => logger.info('step finished', { event: 'step.finished', scenario, phase, step, status, ...(note ? { note } : {}) }),
    scenarioFinished: (scenario, verdict) => logger.info('scenario finished', { event: 'scenario.finished', scenario, verdict }),
    close: () => {},
  };
}
