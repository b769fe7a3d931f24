import { afterEach, describe, expect, it } from 'vitest';
import { clearSensitive, registerSensitive } from '../core/redact.js';
import { createProgress } from './progress.js';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');

function harness(tty: boolean) {
  let t = T0;
  const out: string[] = [];
  const progress = createProgress({ tty, write: (text) => out.push(text), now: () => t, columns: 60 });
  return { progress, out, advance: (ms: number) => (t += ms) };
}

afterEach(() => clearSensitive());

describe('createProgress (plain)', () => {
  it('writes one timestamped line per event, with durations', () => {
    const { progress, out, advance } = harness(false);
    progress.scenarioStarted('secret-wipe');
    advance(1_234);
    progress.phaseStarted('secret-wipe', 'restore');
    progress.stepStarted('secret-wipe', 'restore', 'apply');
    advance(1_500);
    progress.stepFinished('secret-wipe', 'restore', 'apply', 'failed', '409 Conflict');
    advance(2_700);
    progress.phaseFinished('secret-wipe', 'restore', 'passed');
    progress.phaseFinished('secret-wipe', 'chaos', 'skipped', 'no chaos steps');
    advance(60_000);
    progress.scenarioFinished('secret-wipe', 'failed');
    progress.close();
    expect(out).toEqual([
      '12:00:00.000 [secret-wipe] started\n',
      '12:00:01.234 [secret-wipe] restore …\n',
      '12:00:01.234 [secret-wipe] restore › apply …\n',
      '12:00:02.734 [secret-wipe] restore › apply ✗ 1.5s: 409 Conflict\n',
      '12:00:05.434 [secret-wipe] restore ✓ 4.2s\n',
      '12:00:05.434 [secret-wipe] chaos - skipped: no chaos steps\n',
      '12:01:05.434 [secret-wipe] ✗ failed in 1m 5s\n',
    ]);
  });

  it('keeps interleaved scenarios apart and tolerates a finish without a start', () => {
    const { progress, out, advance } = harness(false);
    progress.phaseStarted('a', 'backup');
    advance(100);
    progress.phaseStarted('b', 'backup');
    advance(900);
    progress.phaseFinished('a', 'backup', 'passed');
    progress.phaseFinished('b', 'backup', 'passed');
    progress.stepFinished('c', 'verify', 'x', 'passed');
    expect(out.slice(2)).toEqual([
      '12:00:01.000 [a] backup ✓ 1.0s\n',
      '12:00:01.000 [b] backup ✓ 900ms\n',
      '12:00:01.000 [c] verify › x ✓\n',
    ]);
  });

  it('redacts sensitive values in notes', () => {
    registerSensitive('hunter2-canary');
    const { progress, out } = harness(false);
    progress.stepFinished('s', 'seed', 'seed secrets', 'passed', 'wrote hunter2-canary');
    expect(out[0]).toBe('12:00:00.000 [s] seed › seed secrets ✓: wrote «redacted»\n');
  });
});

describe('createProgress (tty)', () => {
  it('redraws the live block in place and prints a finished scenario once', () => {
    const { progress, out, advance } = harness(true);
    progress.scenarioStarted('wipe');
    progress.phaseStarted('wipe', 'restore');
    progress.stepStarted('wipe', 'restore', 'apply');
    advance(2_000);
    progress.stepFinished('wipe', 'restore', 'apply', 'passed');
    const frame = out.at(-1)!;
    // Three live lines were on screen: move up three lines and clear before drawing again.
    expect(frame.startsWith('\x1b[3F\x1b[0J')).toBe(true);
    expect(frame.split('\n').slice(1, 3)).toEqual(['  ⠋ restore 2.0s', '    ✓ apply 2.0s']);
    progress.phaseFinished('wipe', 'restore', 'failed', 'line one\nline two');
    progress.scenarioFinished('wipe', 'failed');
    expect(out.at(-1)).toBe('\x1b[2F\x1b[0J✗ wipe 2.0s: failed\n  ✗ restore 2.0s: line one line two\n');
    progress.close();
    expect(out.at(-1)).toBe('\x1b[?25h');
    expect(out[0]).toBe('\x1b[?25l');
  });

  it('cuts lines to the terminal width', () => {
    const { progress, out } = harness(true);
    progress.scenarioStarted('x'.repeat(100));
    progress.close();
    expect(out[1]!.split('\n')[0]!.length).toBeLessThanOrEqual(60);
  });
});
