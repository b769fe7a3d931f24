import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../core/logger.js';
import { createJsonProgress } from './progress-json.js';

describe('JSON progress', () => {
  it('emits one parseable JSON line per event with scenario, phase, step and status', () => {
    const logger = memoryLogger('info');
    const p = createJsonProgress(logger);
    p.scenarioStarted('s');
    p.phaseStarted('s', 'restore');
    p.stepFinished('s', 'restore', 'attempt 1', 'failed', 'apiserver gone');
    p.scenarioFinished('s', 'failed');
    const events = logger.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.event)).toEqual(['scenario.started', 'phase.started', 'step.finished', 'scenario.finished']);
    expect(events[2]).toMatchObject({ scenario: 's', phase: 'restore', step: 'attempt 1', status: 'failed', note: 'apiserver gone' });
    expect(events[3]).toMatchObject({ verdict: 'failed', level: 'info' });
  });
});
