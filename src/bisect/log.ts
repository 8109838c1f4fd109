// The bisection as a `git bisect log`: `git bisect replay <file>` in any clone of the tree repeats
// it, and git names the same first bad commit. First-parent, as the search walks the range.
import type { Verdict } from './decide.js';

interface LogCommit {
  sha: string;
  subject: string;
}

interface LogEntry extends LogCommit {
  verdict: Verdict;
}

/** Subjects go in comments only; replay reads the `git bisect` lines. */
const comment = (c: LogCommit) => `[${c.sha}] ${c.subject.replace(/\r?\n/g, ' ')}`;

export function bisectLog(ends: { good: LogCommit; bad: LogCommit }, steps: readonly LogEntry[], answer?: LogCommit): string {
  const lines = [
    'git bisect start --first-parent',
    `# bad: ${comment(ends.bad)}`,
    `git bisect bad ${ends.bad.sha}`,
    `# good: ${comment(ends.good)}`,
    `git bisect good ${ends.good.sha}`,
  ];
  for (const s of steps) lines.push(`# ${s.verdict}: ${comment(s)}`, `git bisect ${s.verdict} ${s.sha}`);
  if (answer !== undefined) lines.push(`# first bad commit: ${comment(answer)}`);
  return `${lines.join('\n')}\n`;
}
