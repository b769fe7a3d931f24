import { KdrillError } from '../core/errors.js';

/** One thing wrong in a scenario or drill file, located for the user. */
export interface Problem {
  /** The file as the user named it (relative to the working directory when inside it). */
  file: string;
  line: number;
  column: number;
  /** Field path such as `spec.checks[2].check`; empty for the whole document. */
  path: string;
  message: string;
  hint?: string;
}

/** One line: `scenarios/x.yaml:12:5 spec.checks[2].check: unknown check "stat-diff" (hint: ...)`. */
export function renderProblem(problem: Problem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  const head = problem.path === '' ? `${where}:` : `${where} ${problem.path}:`;
  return `${head} ${problem.message}${problem.hint ? ` (hint: ${problem.hint})` : ''}`;
}

/** Sorted by file, line, column and path, with exact duplicates removed. */
export function tidyProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = JSON.stringify([p.file, p.line, p.column, p.path, p.message, p.hint ?? '']);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.path.localeCompare(b.path),
  );
}

/** Thrown when scenario or drill files are invalid: carries every problem found, one rendered line each in `message`. */
export class ScenarioValidationError extends KdrillError {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const tidy = tidyProblems(problems);
    const files = new Set(tidy.map((p) => p.file));
    const what = tidy.length === 1 ? 'problem' : `${tidy.length} problems`;
    super('E_SCENARIO_INVALID', tidy.map(renderProblem).join('\n'), {
      hint: `fix the ${what} above, then re-check with \`kdrill validate ${[...files].join(' ')}\``,
      details: { problems: tidy },
    });
    this.name = 'ScenarioValidationError';
    this.problems = tidy;
  }
}
