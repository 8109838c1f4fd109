// `tailmatrix check`: one kernel (a matrix kernel, or the tree as it is checked out now), one cell,
// one verdict against a threshold, as an exit code `git bisect run` understands: 0 good, 1 bad, 125
// skip (does not build, boot or measure). Anything that is not the kernel's fault (bad options, no
// QEMU, Ctrl-C) must stop the user's bisection instead, which only an exit code above 127 does.
import { mkdtemp, rm } from 'node:fs/promises';
import { isFile } from '../util/fs.js';
import os from 'node:os';
import path from 'node:path';
import { fetchKernels } from '../kernels/index.js';
import { treeKernel, type BuildEvent } from '../kernels/from-source/index.js';
import type { FetchedKernel } from '../kernels/types.js';
import type { BuildSource, Matrix } from '../matrix/schema.js';
import { parseMatrix } from '../matrix/load.js';
import { userKernelId } from '../cells/prepare.js';
import { notKernelWorkTree } from './kernel-tree.js';
import { BUILT_IN } from './default-matrix.js';
import type { CellEvent } from '../vm/types.js';
import { err, ok, type Result } from '../util/result.js';
import { pool, worseIsHigher, type Pooled, type Rule } from './decide.js';
import type { Metric } from './metric.js';
import type { Step } from './state.js';
import { buildStep, measureUntilDecided, prepareCellSetup, type CommitContext } from './test-commit.js';
import { topLevel } from './git-range.js';
import { git } from '../kernels/from-source/git.js';
import { unitLabel } from '../analysis/units.js';

/** The codes `git bisect run` reads; ABORT (> 127) stops the bisection. */
export const CHECK_EXIT = { good: 0, bad: 1, skip: 125, abort: 128 } as const;

export interface CheckOptions {
  /** A kernel id of the matrix, or a path to a kernel image … */
  kernel?: string;
  /** … or a git tree, built as it is now (uncommitted changes included). */
  tree?: string;
  metric: Metric;
  threshold: number;
  bench?: string;
  boot?: string;
  repeatCap: number;
  matrix: Matrix;
  matrixFile: string;
  /** The matrix is the built-in default: it has no kernel to name by id. */
  builtInMatrix?: boolean;
  signal: AbortSignal;
  onBuild?: (e: BuildEvent) => void;
  onCell?: (e: CellEvent) => void;
  onRun?: (n: number, value: number, ci: [number, number], unit: string) => void;
}

export interface CheckVerdict {
  verdict: 'good' | 'bad' | 'skip';
  code: number;
  pooled?: Pooled;
  unit?: string;
  runs: number;
  atCap: boolean;
  reason?: string;
  rule: Rule;
}

type KernelFor = { kind: 'kernel'; kernel: FetchedKernel } | { kind: 'skip'; reason: string } | { kind: 'interrupted' };

/** The tree's HEAD with its uncommitted changes: built by compileKernel in its own clone. */
async function treeKernelNow(tree: string, ctx: CommitContext, step: Step): Promise<KernelFor> {
  const built = await buildStep(ctx, step, treeKernel({ tree }).source as BuildSource);
  if (built.kind === 'interrupted') return { kind: 'interrupted' };
  if (built.kind === 'skip') return { kind: 'skip', reason: step.reason ?? 'build failed' };
  return { kind: 'kernel', kernel: built.kernel };
}

/** `--kernel PATH`: the user's own image, used in place (as `run --kernel PATH`); a bad image is the user's problem, not the commit's. */
async function imageKernel(o: CheckOptions, image: string, dir: string): Promise<Result<KernelFor, string>> {
  const id = userKernelId('local', image);
  const m = parseMatrix({ ...o.matrix, kernels: [{ id, source: { type: 'local', path: path.resolve(image) } }] });
  if (!m.ok) return err(m.error.join('; '));
  // Its lock entry goes to the scratch folder: the project's lock only pins the project's kernels.
  const f = await fetchKernels({
    matrix: m.value,
    matrixFile: path.join(dir, 'matrix.json'),
    lockFile: path.join(dir, 'matrix.lock.json'),
    kernelIds: [id],
    signal: o.signal,
  });
  if (o.signal.aborted) return ok({ kind: 'interrupted' });
  if (!f.ok) return err(`--kernel ${image}: ${f.error.map((e) => e.message).join('; ')}`);
  return ok({ kind: 'kernel', kernel: f.value.kernels.get(id)! });
}

async function matrixKernel(o: CheckOptions, id: string, dir: string): Promise<Result<KernelFor, string>> {
  const known = o.builtInMatrix === true ? [] : o.matrix.kernels.map((k) => k.id);
  if (!known.includes(id)) {
    if (await isFile(id)) return imageKernel(o, id, dir);
    const ids =
      o.builtInMatrix === true
        ? `${BUILT_IN} names none: give --matrix FILE for kernel ids`
        : `kernels of ${o.matrixFile}: ${known.join(', ')}`;
    return err(`--kernel ${id}: neither a kernel id (${ids}) nor a kernel image file`);
  }
  const f = await fetchKernels({ matrix: o.matrix, matrixFile: o.matrixFile, kernelIds: [id], signal: o.signal });
  if (o.signal.aborted) return ok({ kind: 'interrupted' });
  // A build kernel that does not compile is the commit's fault (skip); a download that fails is not.
  if (!f.ok) {
    const build = o.matrix.kernels.find((k) => k.id === id)?.source.type === 'build';
    const message = f.error.map((e) => e.message).join('; ');
    return build ? ok({ kind: 'skip', reason: `build failed: ${message}` }) : err(message);
  }
  return ok({ kind: 'kernel', kernel: f.value.kernels.get(id)! });
}

export async function runCheck(o: CheckOptions): Promise<Result<CheckVerdict | 'interrupted', string>> {
  if ((o.kernel === undefined) === (o.tree === undefined)) return err('give exactly one of --kernel ID or --tree DIR');
  // The cells only feed the verdict: a scratch folder, removed afterwards.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-check-'));
  try {
    return await check(o, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function check(o: CheckOptions, dir: string): Promise<Result<CheckVerdict | 'interrupted', string>> {
  const rule: Rule = { threshold: o.threshold, badAbove: worseIsHigher(o.metric), origin: 'given' };
  // The step's label names its cell files: a kernel id, never a path with slashes.
  let label =
    o.kernel === undefined
      ? ''
      : o.matrix.kernels.some((k) => k.id === o.kernel) && o.builtInMatrix !== true
        ? o.kernel
        : userKernelId('local', o.kernel);
  if (o.tree !== undefined) {
    const top = await topLevel(path.resolve(o.tree));
    if (!top.ok) return err(typeof top.error === 'string' ? top.error : top.error.message);
    // Not the commit's fault (skip) but the wrong folder: stop the bisection instead of skipping every commit.
    const notKernel = await notKernelWorkTree(top.value);
    if (notKernel !== undefined) return err(notKernel);
    const head = await git(top.value, ['rev-parse', 'HEAD']);
    if (!head.ok) return err(`--tree ${o.tree}: no HEAD commit`);
    o = { ...o, tree: top.value };
    label = head.value.stdout.trim();
  }
  const step: Step = { commit: { sha: label, subject: '', authorDate: '' }, role: 'search', runs: [], atCap: false, wallMs: 0 };
  const ctx: CommitContext = {
    tree: o.tree ?? '',
    dir,
    runId: path.basename(dir),
    metric: o.metric,
    signal: o.signal,
    onBuild: o.onBuild,
    onCell: o.onCell,
  };
  const k = o.tree !== undefined ? ok(await treeKernelNow(o.tree, ctx, step)) : await matrixKernel(o, o.kernel!, dir);
  if (!k.ok) return k;
  if (k.value.kind === 'interrupted') return ok('interrupted');
  const skip = (reason: string): CheckVerdict => ({
    verdict: 'skip',
    code: CHECK_EXIT.skip,
    runs: step.runs.length,
    atCap: false,
    reason,
    rule,
  });
  if (k.value.kind === 'skip') return ok(skip(k.value.reason));
  const setup = await prepareCellSetup(o.matrix, { boot: o.boot, bench: o.bench }, k.value.kernel, o.signal);
  if (!setup.ok) return o.signal.aborted ? ok('interrupted') : err(setup.error);
  const m = await measureUntilDecided(ctx, setup.value, step, k.value.kernel, rule, o.repeatCap, async (r) => {
    const last = step.runs[step.runs.length - 1];
    if (r === 'measured' && last !== undefined) o.onRun?.(step.runs.length, last.value, last.ci, unitLabel(last.kind));
  });
  if (m === 'interrupted') return ok('interrupted');
  if (step.verdict === 'skip' || step.verdict === undefined) return ok(skip(step.reason ?? 'no figure'));
  return ok({
    verdict: step.verdict,
    code: CHECK_EXIT[step.verdict],
    pooled: pool(step.runs),
    unit: unitLabel(step.runs[0]!.kind),
    runs: step.runs.length,
    atCap: step.atCap,
    rule,
  });
}
