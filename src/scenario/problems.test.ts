import { describe, expect, it } from 'vitest';
import { KdrillError } from '../core/errors.js';
import { renderProblem, ScenarioValidationError, tidyProblems, type Problem } from './problems.js';

const p = (over: Partial<Problem>): Problem => ({ file: 'scenarios/x.yaml', line: 1, column: 1, path: '', message: 'm', ...over });

describe('renderProblem', () => {
  it('writes file:line:col, the path, the message and the hint', () => {
    expect(renderProblem(p({ line: 12, column: 5, path: 'spec.checks[2].check', message: 'unknown check "stat-diff"', hint: 'did you mean "state-diff"?' }))).toBe(
      'scenarios/x.yaml:12:5 spec.checks[2].check: unknown check "stat-diff" (hint: did you mean "state-diff"?)',
    );
    expect(renderProblem(p({ message: 'the file is empty' }))).toBe('scenarios/x.yaml:1:1: the file is empty');
  });
});

describe('tidyProblems', () => {
  it('sorts by file, line and column and drops exact duplicates', () => {
    const list = [p({ file: 'b.yaml' }), p({ line: 9 }), p({ line: 2, column: 7 }), p({ line: 2, column: 3 }), p({ line: 9 })];
    expect(tidyProblems(list).map((x) => `${x.file}:${x.line}:${x.column}`)).toEqual(['b.yaml:1:1', 'scenarios/x.yaml:2:3', 'scenarios/x.yaml:2:7', 'scenarios/x.yaml:9:1']);
  });
});

describe('ScenarioValidationError', () => {
  it('is a KdrillError E_SCENARIO_INVALID with one message line per problem', () => {
    const error = new ScenarioValidationError([p({ line: 3, path: 'kind', message: 'b' }), p({ line: 2, path: 'apiVersion', message: 'a' })]);
    expect(error).toBeInstanceOf(KdrillError);
    expect(error.code).toBe('E_SCENARIO_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('scenarios/x.yaml:2:1 apiVersion: a\nscenarios/x.yaml:3:1 kind: b');
    expect(error.problems).toHaveLength(2);
    expect(error.hint).toBe('fix the 2 problems above, then re-check with `kdrill validate scenarios/x.yaml`');
    expect(error.details).toEqual({ problems: error.problems });
  });
});
