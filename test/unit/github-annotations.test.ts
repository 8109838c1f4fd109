import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/benchmarks/analyse.js';
import { compareWithBaseline } from '../../src/analysis/compare-baseline.js';
import type { Summary } from '../../src/analysis/summary-schema.js';
import { annotateForGithub, githubAnnotations } from '../../src/report/github-annotations.js';
import { gate as gateSchema } from '../../src/matrix/schema.js';
import { fixtureModels, generateCell, KVM_RUN } from '../fixtures/results/generate.js';

const GATE = gateSchema.parse({});
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tm-annotations-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** The KVM fixture cells; `change` edits the models of the current side. */
function gated(
  change: (m: ReturnType<typeof fixtureModels>[number], i: number) => ReturnType<typeof fixtureModels>[number] | null,
): Summary {
  const models = fixtureModels().filter((m) => m.runId === KVM_RUN);
  const base = analyse(models.map(generateCell));
  const cur = analyse(
    models.flatMap((m, i) => {
      const c = change({ ...m, runId: 'now', seed: m.seed + 3 }, i);
      return c ? [generateCell(c)] : [];
    }),
  );
  return { ...cur, baseline: compareWithBaseline(cur, base, 'base', GATE) };
}

describe('GitHub annotations', () => {
  it('an error per regression, failed cell and missing cell, with unit and kind; escaped as GitHub reads them', () => {
    const s = gated((m, i) =>
      i === 0
        ? null
        : i === 1
          ? { ...m, failure: { status: 'timeout', message: 'no result in 600 s\nsecond line', consoleTail: [] } }
          : i === 2
            ? { ...m, indirect: { ...m.indirect, slope: m.indirect.slope + 5 } }
            : m,
    );
    const lines = githubAnnotations(s);
    const [dropped, broken, slower] = fixtureModels()
      .filter((m) => m.runId === KVM_RUN)
      .map((m) => `${m.kernelId}/${m.boot.name}/test-run`);
    const failed = lines.filter((l) => l.startsWith(`::error title=tailmatrix%3A ${broken} failed::`));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/::[^:]+: timeout: no result in 600 s%0Asecond line$/);
    const regressions = lines.filter((l) => l.includes(' regression::'));
    expect(regressions).toHaveLength(2); // the indirect slope and the ratio
    expect(regressions[0]).toMatch(
      new RegExp(
        `^::error title=tailmatrix%3A ${slower!.replace(/[./]/g, '\\$&')} regression::indirect slope \\(hardware-ns\\) regression: .* ns/call .* \\+\\d\\.\\d\\d ns \\(\\+\\d+\\.\\d %25\\)`,
      ),
    );
    expect(lines).toContain(`::error title=tailmatrix%3A ${dropped} missing-now::${dropped}: in the baseline, not measured now`);
    expect(lines.filter((l) => l.startsWith('::warning'))).toEqual([]);
  });

  it('a warning per pair that is not comparable', () => {
    const s = gated((m) => m);
    for (const c of s.cells) c.cpuModel = 'Intel(R) Xeon(R) Processor';
    s.baseline = compareWithBaseline(s, { ...s, cells: gated((m) => m).cells }, 'base', GATE);
    const lines = githubAnnotations(s);
    expect(lines).toHaveLength(12);
    expect(
      lines.every(
        (l) =>
          l.startsWith('::warning title=tailmatrix%3A ') &&
          l.includes('CPU model changed (AMD EPYC 7763 64-Core Processor → Intel(R) Xeon(R) Processor)'),
      ),
    ).toBe(true);
  });

  it('prints only under GITHUB_ACTIONS=true, from a summary or a summary.json', async () => {
    const s = gated((m, i) => (i === 2 ? { ...m, indirect: { ...m.indirect, slope: m.indirect.slope + 5 } } : m));
    const out: string[] = [];
    const sink = { write: (x: string) => out.push(x) };
    await annotateForGithub(s, {}, sink);
    expect(out).toEqual([]);
    const file = path.join(tmp, 'summary.json');
    await writeFile(file, JSON.stringify(s));
    await annotateForGithub(file, { GITHUB_ACTIONS: 'true' }, sink);
    expect(out.join('')).toBe(
      githubAnnotations(s)
        .map((l) => `${l}\n`)
        .join(''),
    );
    expect(out).toHaveLength(2);
  });
});
