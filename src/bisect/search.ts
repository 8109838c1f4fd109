// The search itself, pure: the commits between the ends (oldest first, the bad end last), what is
// known about them, and which one to test next — or the answer: one first bad commit, or, when
// skipped commits hide it, the range it lies in.
import type { Verdict } from './decide.js';

type Marks = ReadonlyMap<string, Verdict>;

type Next =
  | {
      done: false;
      sha: string;
      /** Commits still in question (the window), for "about log2(n) steps left". */
      window: number;
    }
  | {
      done: true;
      firstBad: string;
      /** Skipped commits that may be the first bad one instead, oldest first; empty when it is certain. */
      range: string[];
    }
  | { done: true; inconsistent: string };

/**
 * `commits`: good..bad, oldest first, the bad end last (known bad). A good mark after a bad one is
 * inconsistent: the metric is not monotone over the range (or too noisy for the rule).
 */
export function nextStep(commits: readonly string[], marks: Marks): Next {
  const last = commits.length - 1;
  if (last < 0) return { done: true, inconsistent: 'no commits between good and bad' };
  let lastGood = -1;
  let firstBad = last;
  commits.forEach((c, i) => {
    const m = marks.get(c);
    if (m === 'good') lastGood = Math.max(lastGood, i);
    if (m === 'bad') firstBad = Math.min(firstBad, i);
  });
  if (lastGood > firstBad) {
    return { done: true, inconsistent: `${commits[lastGood]} measured good after ${commits[firstBad]} measured bad` };
  }
  // The first bad commit is one of commits[lastGood+1 .. firstBad]; untested ones can narrow it.
  const lo = lastGood + 1;
  const untested: number[] = [];
  for (let i = lo; i < firstBad; i++) if (!marks.has(commits[i]!)) untested.push(i);
  if (untested.length === 0) {
    return { done: true, firstBad: commits[firstBad]!, range: commits.slice(lo, firstBad) as string[] };
  }
  // Halve the window: testing i leaves [i+1, firstBad] if good, [lo, i] if bad. Nearest to the middle
  // wins; on a tie (around a skip) the later one, so the choice is deterministic.
  const mid = (lo + firstBad - 1) / 2;
  let best = untested[0]!;
  for (const i of untested) if (Math.abs(i - mid) <= Math.abs(best - mid)) best = i;
  return { done: false, sha: commits[best]!, window: firstBad - lo + 1 };
}

/** Steps left after this one, about: log2 of the commits still in question. */
export function stepsLeft(window: number): number {
  return window <= 1 ? 0 : Math.ceil(Math.log2(window));
}
