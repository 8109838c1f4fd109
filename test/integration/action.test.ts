// The composite action (action.yml) as examples/github-actions.yml uses it, its steps run in order with
// bash in a GITHUB_* environment (step summary and output files): the plan job, one job per cell (two
// real 6.1 cells under QEMU), the artifacts laid out as download-artifact lays them out, the report job
// merging them, and the same report gated against a baseline. Departures from GitHub, on purpose: the
// `uses: actions/cache` steps (kernels and ccache, npm's and apt's downloads) cannot run here (checked for
// their paths and keys, then skipped); the cell jobs get
// `accel: auto` instead of the example's `kvm` (KVM is broken on this machine) and `kvm: 'false'`, so the
// test does not write a udev rule into the host's /etc; and `replicates: '1'` instead of the example's 4,
// which the timed KVM gate needs: under TCG the figures are exact instruction counts, one boot says it all.
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { summary as summarySchema } from '../../src/analysis/summary-schema.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { BOOTS, KERNEL_ID, writeOneKernelProject } from '../support/one-kernel-project.js';
import { readAction, runCompositeAction, type ActionRun, type CompositeAction } from '../support/composite-action.js';

interface WorkflowStep {
  id?: string;
  uses?: string;
  with?: Record<string, string>;
}
interface Workflow {
  jobs: Record<string, { steps: WorkflowStep[] }>;
}

let action: CompositeAction;
let workflow: Workflow;
let workspace: string;
let summaryFile: string;

/** The `with:` of the example's step that uses this action, in job `job`. */
function exampleInputs(job: string): Record<string, string> {
  const step = workflow.jobs[job]?.steps.find((s) => s.uses?.endsWith('/tailmatrix@main'));
  if (step?.with === undefined) throw new Error(`examples/github-actions.yml: job ${job} has no step using the action`);
  return step.with;
}

const run = (inputs: Record<string, string>, cwd = workspace): Promise<ActionRun> =>
  runCompositeAction(action, {
    actionPath: PACKAGE_ROOT,
    workspace: cwd,
    inputs,
    env: { ...process.env, CI: 'true', GITHUB_STEP_SUMMARY: summaryFile },
  });

function statuses(r: ActionRun): Record<string, string> {
  return Object.fromEntries(r.steps.map((s) => [s.name, s.status]));
}

function explain(r: ActionRun): string {
  return r.steps.map((s) => `--- ${s.name}: ${s.status}\n${s.output}`).join('\n');
}

beforeAll(async () => {
  action = await readAction(path.join(PACKAGE_ROOT, 'action.yml'));
  workflow = (await readAction(path.join(PACKAGE_ROOT, 'examples/github-actions.yml'))) as unknown as Workflow;
  const root = await mkdtemp(path.join(os.tmpdir(), 'tm-action-test-'));
  workspace = path.join(root, 'workspace');
  await mkdir(workspace);
  await writeOneKernelProject(workspace, BOOTS);
  summaryFile = path.join(root, 'step-summary.md');
  await writeFile(summaryFile, '');
  // The action's own copy is this checkout: its install step uses node_modules and dist as they are.
  await execa('npm', ['run', 'build'], { cwd: PACKAGE_ROOT });
}, 300_000);

describe('the composite action, as the example workflow uses it', () => {
  it("the README shows the example workflow's uses of the action, input for input", async () => {
    const readme = await readFile(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Use it in your repository'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    if (block === undefined) throw new Error('README.md: no yaml block under "Use it in your repository"');
    const file = path.join(path.dirname(workspace), 'readme-workflow.yml');
    await writeFile(file, block);
    const shown = (await readAction(file)) as unknown as Workflow;
    const uses = (w: Workflow) =>
      Object.fromEntries(
        Object.entries(w.jobs).map(([job, j]) => [job, j.steps.filter((s) => s.uses?.includes('tailmatrix')).map((s) => s.with)]),
      );
    expect(uses(shown)).toEqual(uses(workflow));
  });

  let cells: { cell: string; kernel: string; boot: string; bench: string }[];
  const jobs: ActionRun[] = [];

  it('plan: prints the strategy.matrix as the `cells` output', async () => {
    const r = await run(exampleInputs('plan'));
    expect(r.failed, explain(r)).toBe(false);
    expect(statuses(r)).toEqual({
      'Cache keys': 'success',
      'Cache npm downloads': 'skipped (uses)',
      "Install tailmatrix (the action's own copy)": 'success',
      'Open /dev/kvm': 'skipped (if)',
      'Cache apt downloads': 'skipped (if)',
      'Install the host tools': 'skipped (if)',
      'Cache kernels and ccache': 'skipped (if)',
      Plan: 'success',
      'Run the cell': 'skipped (if)',
      'Merge and report': 'skipped (if)',
    });
    // npm's downloads are cached in every job, keyed by node and the action's own lockfile; apt only where setup runs.
    expect(r.steps.find((s) => s.name === 'Cache keys')?.output).toMatch(/^npm cache key: v\d+\.\d+\.\d+-[0-9a-f]{16}$/m);
    expect(r.steps.find((s) => s.name === 'Cache keys')?.output).not.toContain('apt cache key');
    expect(r.steps.find((s) => s.name === 'Cache npm downloads')).toMatchObject({
      uses: 'actions/cache@v4',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not templates
      with: { path: '~/.npm', key: 'tailmatrix-npm-${{ runner.os }}-${{ steps.keys.outputs.npm }}' },
    });
    const matrix = JSON.parse(r.outputs.cells ?? '') as { include: typeof cells };
    cells = matrix.include;
    expect(cells).toEqual(
      BOOTS.map((b) => ({ cell: `${KERNEL_ID}__${b.name}__test-run`, kernel: KERNEL_ID, boot: b.name, bench: 'test-run' })),
    );
  });

  it('run: one job per cell installs the host tools, caches kernels and ccache, and runs its cell', async () => {
    for (const cell of cells) {
      const inputs = Object.fromEntries(
        Object.entries(exampleInputs('cell')).map(([k, v]) => [
          k,
          v.replace(/\$\{\{ matrix\.(\w+) \}\}/g, (_, key: keyof typeof cell) => cell[key]),
        ]),
      );
      expect(inputs).toMatchObject({
        command: 'run',
        kernel: cell.kernel,
        boot: cell.boot,
        bench: cell.bench,
        accel: 'kvm',
        replicates: '4',
      });
      // Each job has a workspace of its own, as on GitHub.
      const jobDir = path.join(path.dirname(workspace), `job-${cell.boot}`);
      await cp(workspace, jobDir, { recursive: true });
      const r = await run({ ...inputs, accel: 'auto', kvm: 'false', replicates: '1' }, jobDir);
      expect(r.failed, explain(r)).toBe(false);
      expect(statuses(r)).toMatchObject({
        'Cache npm downloads': 'skipped (uses)',
        'Cache apt downloads': 'skipped (uses)',
        'Open /dev/kvm': 'skipped (if)',
        'Install the host tools': 'success',
        'Cache kernels and ccache': 'skipped (uses)',
        'Run the cell': 'success',
        Plan: 'skipped (if)',
      });
      // apt's .debs: keyed by the distribution and the exact package list setup installs, in the folder setup hands apt.
      expect(r.steps.find((s) => s.name === 'Cache keys')?.output).toMatch(/^apt cache key: debian-12-[0-9a-f]{16}$/m);
      expect(r.steps.find((s) => s.name === 'Cache apt downloads')).toMatchObject({
        uses: 'actions/cache@v4',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not templates
        with: { path: '${{ runner.temp }}/tailmatrix-apt-archives', key: 'tailmatrix-apt-${{ runner.os }}-${{ steps.keys.outputs.apt }}' },
      });
      const archives = action.runs.steps.find((s) => s.name === 'Install the host tools')?.env?.TAILMATRIX_APT_ARCHIVES;
      // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not templates
      expect(archives).toBe('${{ runner.temp }}/tailmatrix-apt-archives');
      const cache = r.steps.find((s) => s.name === 'Cache kernels and ccache');
      expect(cache?.uses).toBe('actions/cache@v4');
      expect(cache?.with?.path?.split('\n').filter(Boolean)).toEqual(['~/.cache/tailmatrix', '~/.cache/ccache']);
      expect(r.steps.find((s) => s.name === 'Install the host tools')?.output).toMatch(/setup: detected .*\(ID=/);
      expect(r.outputs).toMatchObject({ results: 'results', artifact: `cell-${KERNEL_ID}-${cell.boot}-test-run`, 'exit-code': '0' });
      expect(existsSync(path.join(jobDir, 'results'))).toBe(true);
      jobs.push(r);
      // download-artifact (pattern cell-*, no merge): one folder per artifact under cells/
      await cp(path.join(jobDir, 'results'), path.join(workspace, 'cells', r.outputs.artifact!), { recursive: true });
    }
  });

  it('report: merges every job’s cells into one report and appends it to the step summary', async () => {
    const before = await readFile(summaryFile, 'utf8');
    const r = await run(exampleInputs('report'));
    expect(r.failed, explain(r)).toBe(false);
    expect(r.outputs).toMatchObject({ report: 'report', 'exit-code': '0' });
    // No baseline restored (a first run): said, and the report is not gated.
    expect(r.steps.find((s) => s.name === 'Merge and report')?.output).toContain(
      '::notice title=tailmatrix::no baseline at baseline/summary.json',
    );
    const summary = summarySchema.parse(JSON.parse(await readFile(path.join(workspace, 'report', 'summary.json'), 'utf8')));
    expect(summary.cells.map((c) => [c.key, c.status])).toEqual(BOOTS.map((b) => [`${KERNEL_ID}/${b.name}/test-run`, 'ok']));
    const added = (await readFile(summaryFile, 'utf8')).slice(before.length);
    expect(added).toContain('2 cell(s): 2 ok');
    for (const b of BOOTS) expect(added).toContain(`| ${KERNEL_ID} (6.1.0-50-cloud-amd64) | amd64 | ${b.name} |`);
  });

  it('report with a baseline: the gate compares every cell and passes against itself', async () => {
    const r = await run({ ...exampleInputs('report'), baseline: 'report/summary.json', out: 'gated' });
    expect(r.failed, explain(r)).toBe(false);
    expect(r.outputs['exit-code']).toBe('0');
    const summary = summarySchema.parse(JSON.parse(await readFile(path.join(workspace, 'gated', 'summary.json'), 'utf8')));
    expect(summary.baseline?.regressions).toBe(0);
    expect([...new Set(summary.baseline?.comparisons.map((c) => c.key))]).toEqual(BOOTS.map((b) => `${KERNEL_ID}/${b.name}/test-run`));
    expect(summary.baseline?.missing).toEqual([]);
    // A green gate annotates nothing.
    expect(r.steps.find((s) => s.name === 'Merge and report')?.output).not.toMatch(/^::(error|warning)/m);
  });
});

describe('the gate under GitHub Actions: annotations, exit code, step summary', () => {
  it('report against a baseline one instruction cheaper and missing a cell: ::error annotations, exit 1, the gate in the step summary', async () => {
    // The report job's own summary, edited into an older one: one cell's indirect slope an instruction
    // lower (so now it rose by one), the other cell absent (measured now, missing in the baseline).
    const own = summarySchema.parse(JSON.parse(await readFile(path.join(workspace, 'report', 'summary.json'), 'utf8')));
    const [risen, added] = own.cells;
    const fit = risen!.indirect!.fit!;
    const older = { ...own, cells: [{ ...risen!, indirect: { ...risen!.indirect!, fit: { ...fit, slope: fit.slope - 1 } } }] };
    await writeFile(path.join(workspace, 'older.json'), JSON.stringify(older));
    const before = await readFile(summaryFile, 'utf8');
    const r = await run({ ...exampleInputs('report'), baseline: 'older.json', out: 'gated-red' });
    expect(r.failed, explain(r)).toBe(true);
    expect(r.outputs).toMatchObject({ report: 'gated-red', 'exit-code': '1' });
    const step = r.steps.find((s) => s.name === 'Merge and report')!.output;
    const key = (c: typeof risen) => `${c!.kernel.id}/${c!.boot.name}/${c!.benchmark.name}`;
    expect(step).toMatch(
      new RegExp(
        `^::error title=tailmatrix%3A ${key(risen).replace(/[./]/g, '\\$&')} regression::indirect slope \\(instructions\\) regression: .* instr/call .*: \\+1\\.00 instr \\(\\+\\d+\\.\\d %25\\), exact count$`,
        'm',
      ),
    );
    expect(step).toContain(
      `::error title=tailmatrix%3A ${key(added)} missing-in-baseline::${key(added)}: measured now, missing in the baseline`,
    );
    expect(step).not.toContain('::warning');
    const merged = summarySchema.parse(JSON.parse(await readFile(path.join(workspace, 'gated-red', 'summary.json'), 'utf8')));
    expect(merged.cells).toHaveLength(2);
    expect(merged.baseline?.comparisons.filter((c) => c.regression).map((c) => [c.key, c.variant, c.unit, c.deltaNs])).toEqual([
      [key(risen), 'indirect', 'instructions', 1],
    ]);
    const added2 = (await readFile(summaryFile, 'utf8')).slice(before.length);
    expect(added2).toContain('## Baseline');
    expect(added2).toContain('**1 regression(s) in 2 comparison(s), 1 failed or missing cell(s) (each fails the gate).**');
    expect(added2).toMatch(/\| indirect slope \| instructions \| .* \| \+1\.00 instr \(\+\d+\.\d %\) \| exact count \| ❌ regression \|/);
  });
});
