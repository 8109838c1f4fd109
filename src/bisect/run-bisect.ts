// `tailmatrix bisect` without the CLI: resolve the ends, measure both (and check good is good and bad
// is bad), then halve good..bad one build + cell at a time, recording every run in the state file,
// and write the replayable log and the report. Progress is a stream of typed events.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildEvent } from '../kernels/from-source/index.js';
import type { FetchedKernel } from '../kernels/types.js';
import type { Matrix } from '../matrix/schema.js';
import type { CellEvent } from '../vm/types.js';
import { err, ok, type Result } from '../util/result.js';
import { unitLabel } from '../analysis/units.js';
import { checkEnds, DEFAULT_REPEAT_CAP, type Rule, type Verdict } from './decide.js';
import { firstParentRange, resolveEnds, topLevel } from './git-range.js';
import { notKernelCommit } from './kernel-tree.js';
import { bisectLog } from './log.js';
import type { Metric } from './metric.js';
import { writeBisectReports } from './report.js';
import { nextStep, stepsLeft } from './search.js';
import type { BisectEnd } from './bisect-end.js';
import {
  marksOf,
  newState,
  readState,
  requestMismatch,
  stepFor,
  writeState,
  type BisectRequest,
  type BisectState,
  type CommitInfo,
  type Step,
} from './state.js';
import {
  buildStep,
  measureUntilDecided,
  pickNamed,
  prepareCellSetup,
  runStep,
  type CellSetup,
  type CommitContext,
  type StepMeasure,
} from './test-commit.js';

export const LOG_FILE = 'bisect.log';

export interface BisectOptions {
  tree: string;
  good: string;
  bad: string;
  metric: Metric;
  /** Benchmark and boot configuration of the matrix (default: the first of each). */
  bench?: string;
  boot?: string;
  threshold?: number;
  repeatCap?: number;
  matrix: Matrix;
  /** Where bisect-<good>-<bad>-<metric>/ goes. */
  resultsRoot: string;
  resume: boolean;
  signal: AbortSignal;
  jobs?: number;
  onEvent?: (e: BisectEvent) => void;
}

export type BisectEvent =
  | { type: 'start'; dir: string; commits: number; resumed: boolean }
  | { type: 'step'; n: number; of: number; role: Step['role']; commit: CommitInfo; window?: number }
  | { type: 'build'; event: BuildEvent }
  | { type: 'cell'; event: CellEvent }
  | { type: 'measured'; commit: CommitInfo; run: number; value: number; ci: [number, number]; unit: string }
  | { type: 'decision'; commit: CommitInfo; verdict: Verdict | 'measure again'; runs: number; atCap: boolean; reason?: string }
  | { type: 'rule'; rule: Rule; unit: string };

function bisectDirName(good: CommitInfo, bad: CommitInfo, metric: Metric): string {
  // strategy:<name> → strategy-<name>: no ':' in a folder name.
  return `bisect-${good.sha.slice(0, 12)}-${bad.sha.slice(0, 12)}-${metric.replace(':', '-')}`;
}

interface Session {
  opts: BisectOptions;
  state: BisectState;
  dir: string;
  ctx: CommitContext;
  setup?: CellSetup;
  stepNo: number;
}

const emit = (s: Session, e: BisectEvent) => s.opts.onEvent?.(e);
const save = (s: Session) => writeState(s.dir, s.state);

/** Backend, accelerator and payload, chosen once with the first kernel built. */
async function cellSetup(s: Session, kernel: FetchedKernel): Promise<Result<CellSetup, string>> {
  if (s.setup !== undefined) return ok(s.setup);
  const setup = await prepareCellSetup(s.opts.matrix, { boot: s.opts.boot, bench: s.opts.bench }, kernel, s.opts.signal);
  if (setup.ok) s.setup = setup.value;
  return setup;
}

type Built = { kind: 'built'; kernel: FetchedKernel } | { kind: 'skip' } | { kind: 'interrupted' } | { kind: 'failed'; message: string };

async function build(s: Session, step: Step): Promise<Built> {
  const b = await buildStep(s.ctx, step);
  await save(s);
  if (b.kind !== 'built') return b;
  const setup = await cellSetup(s, b.kernel);
  if (!setup.ok) return s.opts.signal.aborted ? { kind: 'interrupted' } : { kind: 'failed', message: setup.error };
  return b;
}

/** One more run of a built step, saved and reported. */
async function runOnce(s: Session, step: Step, kernel: FetchedKernel): Promise<StepMeasure> {
  const r = await runStep(s.ctx, s.setup!, step, kernel);
  await afterRun(s, step, r);
  return r;
}

async function afterRun(s: Session, step: Step, r: StepMeasure): Promise<void> {
  await save(s);
  const last = step.runs[step.runs.length - 1];
  if (r !== 'measured' || last === undefined) return;
  emit(s, { type: 'measured', commit: step.commit, run: step.runs.length, value: last.value, ci: last.ci, unit: unitLabel(last.kind) });
}

function announce(s: Session, step: Step, window?: number): void {
  s.stepNo++;
  // Both ends, then about log2 of the range; later, this step plus about log2 of what is left.
  const of = window === undefined ? 2 + stepsLeft(s.state.commits.length) : s.stepNo - 1 + stepsLeft(window);
  emit(s, { type: 'step', n: s.stepNo, of: Math.max(of, s.stepNo), role: step.role, commit: step.commit, window });
}

const stopped = (s: Session, message: string, badInput = false): BisectEnd => ({
  kind: 'stopped',
  dir: s.dir,
  message,
  badInput,
  state: s.state,
});

/** Measure both ends until the rule is clear (or cannot be), as ktest's BISECT_CHECK. */
async function measureEnds(s: Session, ends: { good: CommitInfo; bad: CommitInfo }): Promise<BisectEnd | Rule> {
  const cap = s.state.request.repeatCap;
  const sides = ['good', 'bad'] as const;
  const kernels: Partial<Record<'good' | 'bad', FetchedKernel>> = {};
  // One end after the other: a bad end is not even built when the good one cannot be tested.
  for (const side of sides) {
    const step = stepFor(s.state, ends[side], `${side}-end`);
    announce(s, step);
    const b = await build(s, step);
    if (b.kind === 'interrupted') return { kind: 'interrupted', dir: s.dir, state: s.state };
    if (b.kind === 'failed') return stopped(s, b.message);
    if (b.kind === 'skip') return stopped(s, `the ${side} end ${ends[side].sha.slice(0, 12)} cannot be tested: ${step.reason}`);
    kernels[side] = b.kernel;
  }
  const steps = { good: stepFor(s.state, ends.good, 'good-end'), bad: stepFor(s.state, ends.bad, 'bad-end') };
  for (;;) {
    // Both ends at the same number of runs, at least one (a resumed bisection may have stopped between).
    for (const side of sides) {
      const step = steps[side];
      if (step.runs.length >= Math.max(steps.good.runs.length, steps.bad.runs.length, 1)) continue;
      const r = await runOnce(s, step, kernels[side]!);
      if (r === 'interrupted') return { kind: 'interrupted', dir: s.dir, state: s.state };
      if (r === 'skip') return stopped(s, `the ${side} end ${ends[side].sha.slice(0, 12)} cannot be measured: ${step.reason}`);
    }
    const c = checkEnds(steps.good.runs, steps.bad.runs, { metric: s.opts.metric, threshold: s.state.request.threshold, cap });
    if (c.ok) {
      steps.good.verdict = 'good';
      steps.bad.verdict = 'bad';
      s.state.rule = c.rule;
      await save(s);
      emit(s, { type: 'rule', rule: c.rule, unit: unitLabel(steps.good.runs[0]!.kind) });
      return c.rule;
    }
    if (!c.retry) return stopped(s, c.message, true);
    // Still unclear: one more run of each end, then look again.
    for (const step of [steps.good, steps.bad]) {
      const r = await runOnce(s, step, kernels[step.role === 'good-end' ? 'good' : 'bad']!);
      if (r === 'interrupted') return { kind: 'interrupted', dir: s.dir, state: s.state };
      if (r === 'skip') return stopped(s, `an end cannot be measured: ${step.reason}`);
    }
  }
}

/** Build and measure one search step until it is good, bad or skipped. */
async function searchStep(s: Session, step: Step, rule: Rule): Promise<'done' | 'interrupted' | { failed: string }> {
  if (step.verdict !== undefined) return 'done';
  const b = await build(s, step);
  if (b.kind === 'interrupted') return 'interrupted';
  if (b.kind === 'failed') return { failed: b.message };
  if (b.kind === 'built') {
    const m = await measureUntilDecided(s.ctx, s.setup!, step, b.kernel, rule, s.state.request.repeatCap, (r) => afterRun(s, step, r));
    if (m === 'interrupted') return 'interrupted';
  }
  await save(s);
  emit(s, {
    type: 'decision',
    commit: step.commit,
    verdict: step.verdict!,
    runs: step.runs.length,
    atCap: step.atCap,
    reason: step.reason,
  });
  return 'done';
}

async function loadOrStart(
  opts: BisectOptions,
  req: BisectRequest,
  ends: { good: CommitInfo; bad: CommitInfo },
  dir: string,
): Promise<Result<{ state: BisectState; resumed: boolean }, string>> {
  const stored = await readState(dir);
  if (!stored.ok) return stored;
  if (stored.value !== undefined) {
    if (!opts.resume) return err(`${dir} already holds this bisection: pass --resume to continue it, or remove the folder to start over`);
    const diff = requestMismatch(stored.value.request, req);
    if (diff.length > 0) return err(`--resume: ${dir} holds another bisection (${diff.join('; ')})`);
    return ok({ state: stored.value, resumed: true });
  }
  if (opts.resume) return err(`--resume: nothing to resume in ${dir}`);
  const range = await firstParentRange(req.tree, ends.good.sha, ends.bad.sha);
  if (!range.ok) return range;
  return ok({ state: newState(req, range.value), resumed: false });
}

export async function runBisect(opts: BisectOptions): Promise<Result<BisectEnd, { message: string; badInput: boolean }>> {
  const bad = (message: string) => err({ message, badInput: true });
  const tree = await topLevel(path.resolve(opts.tree));
  if (!tree.ok) return bad(typeof tree.error === 'string' ? tree.error : tree.error.message);
  const ends = await resolveEnds(tree.value, opts.good, opts.bad);
  if (!ends.ok) return bad(typeof ends.error === 'string' ? ends.error : ends.error.message);
  // Not a kernel tree: every build would fail and every commit be skipped. Said once, before any build.
  for (const end of [ends.value.good, ends.value.bad]) {
    const notKernel = await notKernelCommit(tree.value, end.sha);
    if (notKernel !== undefined) return bad(notKernel);
  }
  for (const [what, name, items] of [
    ['boot', opts.boot, opts.matrix.boots],
    ['bench', opts.bench, opts.matrix.benchmarks],
  ] as const) {
    const p = pickNamed<{ name: string }>(items, name, what);
    if (!p.ok) return bad(p.error);
  }
  const req: BisectRequest = {
    tree: tree.value,
    good: ends.value.good.sha,
    bad: ends.value.bad.sha,
    metric: opts.metric,
    bench: opts.bench ?? opts.matrix.benchmarks[0]!.name,
    boot: opts.boot ?? opts.matrix.boots[0]!.name,
    threshold: opts.threshold,
    repeatCap: opts.repeatCap ?? DEFAULT_REPEAT_CAP,
  };
  const dir = path.resolve(opts.resultsRoot, bisectDirName(ends.value.good, ends.value.bad, opts.metric));
  const loaded = await loadOrStart(opts, req, ends.value, dir);
  if (!loaded.ok) return bad(loaded.error);
  await mkdir(dir, { recursive: true });
  const s: Session = {
    opts,
    state: loaded.value.state,
    dir,
    stepNo: 0,
    ctx: {
      tree: tree.value,
      dir,
      runId: path.basename(dir),
      metric: opts.metric,
      signal: opts.signal,
      jobs: opts.jobs,
      onBuild: (event) => emit(s, { type: 'build', event }),
      onCell: (event) => emit(s, { type: 'cell', event }),
    },
  };
  await save(s);
  emit(s, { type: 'start', dir, commits: s.state.commits.length, resumed: loaded.value.resumed });
  const outcome = await search(s, ends.value);
  await writeOutputs(s, ends.value, outcome);
  return ok(outcome);
}

async function search(s: Session, ends: { good: CommitInfo; bad: CommitInfo }): Promise<BisectEnd> {
  const rule = await measureEnds(s, ends);
  if ('kind' in rule) return rule;
  const shas = s.state.commits.map((c) => c.sha);
  const bySha = new Map(s.state.commits.map((c) => [c.sha, c]));
  for (;;) {
    const next = nextStep(shas, marksOf(s.state));
    if (next.done) {
      if ('inconsistent' in next) return stopped(s, `the metric is not monotone over the range: ${next.inconsistent}`);
      return {
        kind: 'found',
        dir: s.dir,
        firstBad: bySha.get(next.firstBad)!,
        range: next.range.map((x) => bySha.get(x)!),
        state: s.state,
        files: [],
      };
    }
    const step = stepFor(s.state, bySha.get(next.sha)!, 'search');
    announce(s, step, next.window);
    const r = await searchStep(s, step, rule);
    if (r === 'interrupted') return { kind: 'interrupted', dir: s.dir, state: s.state };
    if (typeof r === 'object') return stopped(s, r.failed);
  }
}

/** The log, the state and the report, whatever the outcome (an interrupted one shows what it has). */
async function writeOutputs(s: Session, ends: { good: CommitInfo; bad: CommitInfo }, outcome: BisectEnd): Promise<void> {
  await save(s);
  const decided = s.state.steps
    .filter((st) => st.role === 'search' && st.verdict !== undefined)
    .map((st) => ({ ...st.commit, verdict: st.verdict! }));
  const answer = outcome.kind === 'found' && outcome.range.length === 0 ? outcome.firstBad : undefined;
  const logFile = path.join(s.dir, LOG_FILE);
  await writeFile(logFile, bisectLog(ends, s.state.rule !== undefined ? decided : [], answer));
  const reports = await writeBisectReports(s.dir, s.state, outcome);
  if (outcome.kind === 'found') outcome.files.push(logFile, ...reports);
}
