// One commit of a bisection: build it with the kernel compile (src/kernels/from-source/compile.ts) (its own clone of the tree under the
// cache, incremental object directory, ccache, cache hit when these inputs were built before), then
// run the one cell as many times as the caller asks. A build or boot failure makes the commit a skip,
// as exit 125 does for `git bisect run`; Ctrl-C leaves the step unfinished, to be resumed.
import path from 'node:path';
import { buildFromSource, treeKernel, type BuildEvent } from '../kernels/from-source/index.js';
import { failureMessage } from '../kernels/source.js';
import type { FetchedKernel } from '../kernels/types.js';
import type { Benchmark, BuildSource, Boot, Matrix, Runner } from '../matrix/schema.js';
import type { Accelerator } from '../results/cell-result.js';
import { runCell } from '../cells/run-cell.js';
import { cellRunSpec } from '../cells/cell-spec.js';
import { ensurePayload } from '../guest/payload.js';
import { chooseTarget } from '../vm/target.js';
import type { CellEvent, VmBackend } from '../vm/types.js';
import type { GuestPayload } from '../guest/payload.js';
import type { Timing } from '../measure/timing.js';
import { err, ok, type Result } from '../util/result.js';
import { decideStep, type Rule } from './decide.js';
import { measureCell, type Metric } from './metric.js';
import type { Step } from './state.js';

export interface CellSetup {
  payload: GuestPayload;
  backend: VmBackend;
  accel: Accelerator;
  /** Instruction counting under TCG by default: one exact measurement decides a step. */
  timing: Timing;
  boot: Boot;
  benchmark: Benchmark;
  runner: Runner;
}

export interface CommitContext {
  tree: string;
  /** Cell files go to <dir>/cells/. */
  dir: string;
  runId: string;
  metric: Metric;
  signal: AbortSignal;
  jobs?: number;
  env?: NodeJS.ProcessEnv;
  onBuild?: (e: BuildEvent) => void;
  onCell?: (e: CellEvent) => void;
}

/** The build a bisection step makes: the project's minimal benchmark config, as `run --tree --ref`. */
function commitSource(tree: string, sha: string): BuildSource {
  return treeKernel({ tree, ref: sha }).source as BuildSource;
}

/** The compile's first line (with the log path) and the compiler's first error, if any. */
function firstLines(message: string): string {
  const lines = message.split('\n');
  const error = lines.slice(1).find((l) => /\berror\b/i.test(l));
  return [lines[0] ?? '', error?.trim()].filter(Boolean).join(': ');
}

type StepBuild = { kind: 'built'; kernel: FetchedKernel } | { kind: 'skip' } | { kind: 'interrupted' };

/** Build the step's commit (or `source`); a failed build marks the step skipped (with the compile's message). */
export async function buildStep(
  ctx: CommitContext,
  step: Step,
  source: BuildSource = commitSource(ctx.tree, step.commit.sha),
): Promise<StepBuild> {
  const started = Date.now();
  const r = await buildFromSource({
    id: `bisect-${step.commit.sha.slice(0, 12)}`,
    source,
    signal: ctx.signal,
    jobs: ctx.jobs,
    env: ctx.env,
    onEvent: ctx.onBuild,
  });
  if (ctx.signal.aborted) return { kind: 'interrupted' };
  // A resumed step finds its kernel in the cache: the first build is the one its figures record.
  const first = step.build === undefined && step.reason === undefined;
  if (first) step.wallMs += Date.now() - started;
  if (!r.ok) {
    step.verdict = 'skip';
    step.reason = `build failed: ${firstLines(failureMessage(r.error))}`;
    return { kind: 'skip' };
  }
  if (first) step.build = { cached: r.value.cached, totalMs: r.value.totalMs, compileMs: r.value.compileMs };
  return { kind: 'built', kernel: r.value.kernel };
}

export type StepMeasure = 'measured' | 'skip' | 'interrupted';

/** One run of the cell on the step's kernel; appended to the step, or the step marked skipped. */
export async function runStep(ctx: CommitContext, setup: CellSetup, step: Step, kernel: FetchedKernel): Promise<StepMeasure> {
  const cellId = `${step.commit.sha.slice(0, 12)}-${setup.boot.name}-${setup.benchmark.name}-run${step.runs.length + 1}`;
  let file: string | undefined;
  const started = Date.now();
  const cell = await runCell({
    runId: ctx.runId,
    runDir: ctx.dir,
    backend: setup.backend,
    spec: cellRunSpec({
      cellId,
      kernel,
      boot: setup.boot,
      benchmark: setup.benchmark,
      runner: setup.runner,
      accel: setup.accel,
      timing: setup.timing,
      payload: setup.payload,
    }),
    signal: ctx.signal,
    emit: (e) => {
      if (e.type === 'cell') ctx.onCell?.(e.event);
      else if (e.type === 'cell-end') file = e.file;
    },
  });
  const wallMs = Date.now() - started;
  step.wallMs += wallMs;
  if (cell === undefined) return 'interrupted';
  const m = measureCell(cell, ctx.metric);
  if (!m.ok) {
    step.verdict = 'skip';
    step.reason = `run failed: ${m.error}`;
    return 'skip';
  }
  step.runs.push({ ...m.value, cellFile: file !== undefined ? path.relative(ctx.dir, file) : undefined, wallMs });
  return 'measured';
}

/** A matrix entry by name, or the first one; the error lists the names there are. */
export function pickNamed<T extends { name: string }>(items: readonly T[], name: string | undefined, option: string): Result<T, string> {
  const found = name === undefined ? items[0] : items.find((i) => i.name === name);
  return found !== undefined
    ? ok(found)
    : err(`--${option} ${name ?? ''}: the matrix has ${items.map((i) => i.name).join(', ') || 'none'}`);
}

/** Payload and target (src/vm/target.ts: accelerator probed by booting this kernel, timing, backend), as `run` chooses them. */
export async function prepareCellSetup(
  matrix: Matrix,
  names: { boot?: string; bench?: string },
  kernel: FetchedKernel,
  signal: AbortSignal,
): Promise<Result<CellSetup, string>> {
  const boot = pickNamed(matrix.boots, names.boot, 'boot');
  if (!boot.ok) return boot;
  const benchmark = pickNamed(matrix.benchmarks, names.bench, 'bench');
  if (!benchmark.ok) return benchmark;
  const payload = await ensurePayload({ signal });
  if (!payload.ok) return payload;
  const target = await chooseTarget(matrix.runner, kernel, { signal });
  if (!target.ok) return target;
  const { accel, timing, backend } = target.value;
  return ok({
    payload: payload.value,
    backend: backend.value,
    accel: accel.value,
    timing: timing.value,
    boot: boot.value,
    benchmark: benchmark.value,
    runner: matrix.runner,
  });
}

/**
 * Run the cell until the rule decides the step (one run for exact figures; timed ones repeat while
 * the interval straddles the threshold, up to the cap). The step holds the verdict afterwards, unless
 * interrupted. `afterRun` sees each run (to save state, report progress).
 */
export async function measureUntilDecided(
  ctx: CommitContext,
  setup: CellSetup,
  step: Step,
  kernel: FetchedKernel,
  rule: Rule,
  cap: number,
  afterRun: (r: StepMeasure) => Promise<void>,
): Promise<'decided' | 'interrupted'> {
  for (;;) {
    const d = decideStep(step.runs, rule, cap);
    if (d?.verdict !== undefined) {
      step.verdict = d.verdict;
      step.atCap = d.atCap;
      return 'decided';
    }
    const r = await runStep(ctx, setup, step, kernel);
    await afterRun(r);
    if (r === 'interrupted') return 'interrupted';
    if (r === 'skip') return 'decided';
  }
}
