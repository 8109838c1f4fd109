import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { FIXTURE_ROOT, KVM_RUN, TCG_RUN } from '../fixtures/results/generate.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tm-report-cli-'));
  // The command prints the files it wrote and a one-line tally; keep the test output clean.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(tmp, { recursive: true, force: true });
});

const report = (...args: string[]) => main(['node', 'tailmatrix', 'report', ...args]);

async function readAll(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir)).sort()) out[f] = await readFile(path.join(dir, f), 'utf8');
  return out;
}

describe('tailmatrix report', () => {
  it('merges two result folders into one report, identical on every rerun', async () => {
    const dirs = [path.join(FIXTURE_ROOT, KVM_RUN), path.join(FIXTURE_ROOT, TCG_RUN)];
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    // One cell panicked in the fixtures: the exit code says "cell failures".
    expect(await report(...dirs, '--out', a)).toBe(EXIT.cellFailures);
    expect(await report(...dirs, '--out', b)).toBe(EXIT.cellFailures);
    const first = await readAll(a);
    expect(Object.keys(first)).toEqual(['junit.xml', 'report.html', 'report.md', 'summary.json']);
    expect(await readAll(b)).toEqual(first);
    expect(first['report.md']).toContain(KVM_RUN);
    expect(first['report.md']).toContain(TCG_RUN);
  }, 60_000);

  it("appends the Markdown report to GitHub's step summary when the job has one", async () => {
    const stepSummary = path.join(tmp, 'step-summary.md');
    await writeFile(stepSummary, '# earlier step\n');
    const prior = process.env.GITHUB_STEP_SUMMARY;
    process.env.GITHUB_STEP_SUMMARY = stepSummary;
    try {
      expect(await report(path.join(FIXTURE_ROOT, KVM_RUN), '--out', path.join(tmp, 'gh'), '--format', 'json')).toBe(EXIT.ok);
    } finally {
      if (prior === undefined) delete process.env.GITHUB_STEP_SUMMARY;
      else process.env.GITHUB_STEP_SUMMARY = prior;
    }
    const text = await readFile(stepSummary, 'utf8');
    expect(text.startsWith('# earlier step\n# tailmatrix: the cost of one eBPF tail call')).toBe(true);
    expect(text).toContain('| 6.1-cloud (6.1.0-50-cloud-amd64) | amd64 | retpoline |');
  });

  it('writes only the formats asked for', async () => {
    const out = path.join(tmp, 'md-only');
    expect(await report(path.join(FIXTURE_ROOT, KVM_RUN), '--out', out, '--format', 'md,json')).toBe(EXIT.ok);
    expect((await readdir(out)).sort()).toEqual(['report.md', 'summary.json']);
  });

  it('treats unknown formats, missing folders and an ambiguous output as bad input', async () => {
    expect(await report(FIXTURE_ROOT, '--out', path.join(tmp, 'x'), '--format', 'pdf')).toBe(EXIT.badInput);
    expect(await report(path.join(tmp, 'does-not-exist'), '--out', path.join(tmp, 'y'))).toBe(EXIT.badInput);
    expect(await report(path.join(FIXTURE_ROOT, KVM_RUN), path.join(FIXTURE_ROOT, TCG_RUN))).toBe(EXIT.badInput);
    expect(await report(FIXTURE_ROOT, '--out', path.join(tmp, 'z'), '--gate-ns', '-3', '--baseline', FIXTURE_ROOT)).toBe(EXIT.badInput);
  });
});

describe('a run that did not finish', () => {
  it('is noted at the top of the report', async () => {
    const dir = path.join(tmp, 'interrupted');
    await cp(path.join(FIXTURE_ROOT, KVM_RUN), dir, { recursive: true });
    const meta = JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8'));
    await writeFile(path.join(dir, 'run.json'), JSON.stringify({ ...meta, status: 'interrupted' }));
    expect(await report(dir, '--format', 'md')).toBe(EXIT.ok);
    expect(await readFile(path.join(dir, 'report.md'), 'utf8')).toContain(
      `> [!NOTE]\n> run ${KVM_RUN} was interrupted: some cells may be missing`,
    );
  });
});
