import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/bisect/decide.js';
import { bisectLog } from '../../src/bisect/log.js';
import { nextStep, stepsLeft } from '../../src/bisect/search.js';
import { marksOf, newState, requestMismatch, stepFor, type BisectRequest } from '../../src/bisect/state.js';

const C = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];

/** Drive the search with a verdict per commit; the commits it tested, in order. */
function drive(commits: string[], verdictOf: (c: string) => Verdict) {
  const marks = new Map<string, Verdict>();
  const tested: string[] = [];
  for (;;) {
    const n = nextStep(commits, marks);
    if (n.done) return { n, tested };
    tested.push(n.sha);
    marks.set(n.sha, verdictOf(n.sha));
  }
}

describe('nextStep', () => {
  it('halves the range and names the first bad commit in ceil(log2 n) steps', () => {
    for (let first = 0; first < C.length; first++) {
      const { n, tested } = drive(C, (c) => (C.indexOf(c) >= first ? 'bad' : 'good'));
      expect(n).toEqual({ done: true, firstBad: C[first], range: [] });
      expect(tested.length).toBeLessThanOrEqual(Math.ceil(Math.log2(C.length)));
    }
  });
  it('steps around a skipped commit, preferring the later neighbour, and still finds one commit', () => {
    // c3 does not build; c5 is the first bad commit (the slow test's history).
    const { n, tested } = drive(C, (c) => (c === 'c3' ? 'skip' : C.indexOf(c) >= 4 ? 'bad' : 'good'));
    expect(tested).toEqual(['c3', 'c4', 'c5']);
    expect(n).toEqual({ done: true, firstBad: 'c5', range: [] });
  });
  it('when skipped commits hide the answer, it is a range', () => {
    const { n } = drive(C, (c) => (c === 'c3' || c === 'c4' ? 'skip' : C.indexOf(c) >= 4 ? 'bad' : 'good'));
    expect(n).toEqual({ done: true, firstBad: 'c5', range: ['c3', 'c4'] });
  });
  it('a good commit after a bad one is reported, not bisected through', () => {
    const n = nextStep(
      C,
      new Map<string, Verdict>([
        ['c2', 'bad'],
        ['c4', 'good'],
      ]),
    );
    expect(n).toMatchObject({ done: true, inconsistent: expect.stringMatching(/c4 measured good after c2 measured bad/) });
  });
  it('a single commit in range is the answer without a step', () => {
    expect(nextStep(['only'], new Map())).toEqual({ done: true, firstBad: 'only', range: [] });
    expect(stepsLeft(1)).toBe(0);
    expect(stepsLeft(6)).toBe(3);
  });
});

describe('resume bookkeeping', () => {
  const req: BisectRequest = { tree: '/t', good: 'g', bad: 'b', metric: 'direct', bench: 'test-run', boot: 'retpoline', repeatCap: 5 };
  it('an interrupted step keeps its runs and is continued, not started again; decided steps are marks', () => {
    const s = newState(
      req,
      C.map((sha) => ({ sha, subject: sha, authorDate: '2026-01-01T00:00:00Z' })),
    );
    const c3 = stepFor(s, s.commits[2]!, 'search');
    c3.verdict = 'skip';
    const c4 = stepFor(s, s.commits[3]!, 'search');
    c4.runs.push({ value: 1, ci: [0, 2], kind: 'emulated-ns', wallMs: 1 });
    // Read back after Ctrl-C: the same step object for c4, with its run.
    const again = JSON.parse(JSON.stringify(s)) as typeof s;
    expect(stepFor(again, again.commits[3]!, 'search').runs).toHaveLength(1);
    expect(again.steps).toHaveLength(2);
    expect([...marksOf(again)]).toEqual([['c3', 'skip']]);
  });
  it('resuming with other parameters is refused, naming what differs', () => {
    expect(requestMismatch(req, req)).toEqual([]);
    expect(requestMismatch(req, { ...req, metric: 'saving', threshold: 3 })).toEqual([
      'metric: stored "direct", asked "saving"',
      'threshold: stored undefined, asked 3',
    ]);
  });
});

describe('bisectLog', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  it('is accepted by git bisect replay, which names the same first bad commit', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tailmatrix-bisect-log-'));
    dirs.push(dir);
    const g = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' });
    g('init', '-q', '-b', 'main');
    const shas: string[] = [];
    for (let i = 0; i < 7; i++) {
      writeFileSync(path.join(dir, 'f'), `${i}\n`);
      g('add', 'f');
      g('commit', '-q', '-m', `commit ${i}`);
      shas.push(g('rev-parse', 'HEAD').trim());
    }
    const c = (i: number) => ({ sha: shas[i]!, subject: `commit ${i}` });
    const log = bisectLog(
      { good: c(0), bad: c(6) },
      [
        { ...c(3), verdict: 'skip' },
        { ...c(4), verdict: 'good' },
        { ...c(5), verdict: 'bad' },
      ],
      c(5),
    );
    writeFileSync(path.join(dir, '..', `${path.basename(dir)}.log`), log);
    const out = g('bisect', 'replay', path.join(dir, '..', `${path.basename(dir)}.log`));
    rmSync(path.join(dir, '..', `${path.basename(dir)}.log`));
    expect(out).toContain(`${shas[5]} is the first bad commit`);
  });
});
