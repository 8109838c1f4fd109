// .ci/run's slow files: each runs only while its budget (the minute after which it no longer starts) has not
// passed. Elapsed time only grows, so a budget lower than an earlier file's would skip a file that the plan
// in the comment says still fits: budgets must rise in run order, and every slow file must be in the list.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

describe('.ci/run', () => {
  it('runs every slow test file once, with budgets that rise in run order and end before minute 75', () => {
    const script = readFileSync(path.join(PACKAGE_ROOT, '.ci/run'), 'utf8');
    const lines = [...script.matchAll(/^slow (test\/slow\/\S+\.test\.ts) (\d+)$/gm)].map((m) => ({ file: m[1]!, budget: Number(m[2]) }));
    const files = readdirSync(path.join(PACKAGE_ROOT, 'test/slow'))
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => `test/slow/${f}`);
    expect(lines.map((l) => l.file).sort()).toEqual(files.sort());
    const budgets = lines.map((l) => l.budget);
    expect(budgets).toEqual([...budgets].sort((a, b) => a - b));
    expect(Math.max(...budgets)).toBeLessThan(75);
  });
});
