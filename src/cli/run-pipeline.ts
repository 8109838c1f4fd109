// `tailmatrix run` as one listr2 pipeline: fetch → payload → backend + accelerator → cells → reports.
// The steps themselves live in src/run, src/kernels, src/guest, src/vm and src/report; this file only
// wires them, shows progress, and turns what happened into an exit code. Cleanup (VMs, temp dirs) runs
// even after a failure or Ctrl-C; finished cells are on disk before the next one starts.
import path from 'node:path';
import { Listr } from 'listr2';
import type { RunCommandOptions } from './commands/run.js';
import { EXIT } from './exit-codes.js';
import { listrOptions } from './renderer.js';
import { abortOnSigint } from './sigint.js';
import { loadMatrixOrThrow } from './load-matrix-or-throw.js';
import { createFetchTasks, FetchSession, type FetchContext, type KernelFailure } from '../kernels/index.js';
import { ensurePayload } from '../guest/payload.js';
import { pickBackend } from '../vm/backend.js';
import { probeAccelerator } from '../vm/accel.js';
import { resolveTiming, timingText, type Timing } from '../vm/timing.js';
import type { CellRunSpec, GuestPayload, VmBackend } from '../vm/types.js';
import type { Accelerator, CellResult } from '../results/cell-result.js';
import { prepareRun, type PreparedRun } from '../run/prepare.js';
import { runCell } from '../run/run-cell.js';
import { defaultParallelism } from '../run/parallelism.js';
import { headline } from '../run/headline.js';
import type { RunEvent } from '../run/events.js';
import { writeRunMeta } from '../results/store.js';
import type { RunMeta } from '../results/run-meta.js';
import { readLock } from '../matrix/lock.js';
import { writeReports } from '../report/index.js';
import { hostInfo } from '../util/host.js';
import { TOOL_VERSION } from '../util/version.js';
import { UserError } from '../util/result.js';

interface Ctx extends FetchContext {
  payload?: GuestPayload;
  backend?: VmBackend;
  accel?: Accelerator;
  timing?: Timing;
  results: CellResult[];
  reportExit?: number;
}


function parseParallel(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--parallel ${v}: expected a whole number ≥ 1`);
  return n;
}

export async function runPipeline(opts: RunCommandOptions): Promise<number> {
  const loaded = await loadMatrixOrThrow(opts.matrix);
  const runner = {
    ...loaded.matrix.runner,
    ...(opts.accel ? { accel: opts.accel } : {}),
    ...(opts.timing ? { timing: opts.timing } : {}),
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.parallel ? { parallel: parseParallel(opts.parallel) } : {}),
  };
  const prepared = await prepareRun({
    matrix: { ...loaded.matrix, runner },
    matrixFile: loaded.file,
    kernelArgs: opts.kernel,
    boots: opts.boot,
    benches: opts.bench,
    tree: opts.tree,
    patches: opts.patch,
    compareWith: opts.compareWith,
    resume: opts.resume,
    resultsRoot: opts.results,
  });
  if (!prepared.ok) throw new UserError('cannot start the run:', prepared.error);
  const run = prepared.value;
  const todo = run.cells.filter((c) => !run.done.has(c.id));

  const { signal, unwire } = abortOnSigint('interrupted: stopping VMs, keeping finished cells');
  const fetchFailures: KernelFailure[] = [];
  const fetchOpts = {
    matrix: run.matrix,
    matrixFile: run.matrixFile,
    lockFile: run.lockFile,
    kernelIds: [...new Set(todo.map((c) => c.kernel.id))],
    frozenLockfile: opts.frozenLockfile,
    signal: signal,
  };
  const session = new FetchSession(fetchOpts);
  const meta = await initialMeta(run);
  const dryRunLines: string[] = [];
  const ctx: Ctx = { kernels: new Map(), transferredBytes: 0, results: [] };

  const tasks = new Listr<Ctx>(
    [
      {
        title: `Run ${run.runId}: ${todo.length} cell(s) to run${run.done.size ? `, ${run.done.size} already done` : ''}`,
        task: async (_c, task) => {
          task.title = `Run ${run.runId} → ${path.relative(process.cwd(), run.runDir) || run.runDir}`;
        },
      },
      ...(todo.length > 0 ? createFetchTasks<Ctx>(fetchOpts, session, fetchFailures) : []),
      {
        title: 'Build guest payload (BPF objects, static agent)',
        enabled: () => todo.length > 0,
        task: async (c, task) => {
          const payload = await ensurePayload({ signal: signal });
          if (!payload.ok) throw new Error(payload.error);
          c.payload = payload.value;
          task.title = `Guest payload ${payload.value.hash.slice(0, 12)}`;
        },
      },
      {
        title: 'Choose VM backend and accelerator',
        enabled: () => todo.length > 0,
        task: async (c, task) => {
          // Accelerator first: which backend pays off depends on it (vng is slow under TCG).
          const probeKernel = c.kernels.values().next().value;
          if (!probeKernel) throw new Error('no kernel was fetched');
          const accel = await probeAccelerator(run.matrix.runner.accel, probeKernel, { signal });
          if (!accel.ok) throw new Error(accel.error);
          const chosen = await pickBackend(run.matrix.runner.backend, accel.value.accel);
          if (!chosen.ok) throw new Error(chosen.error);
          const timing = resolveTiming(run.matrix.runner.timing, accel.value.accel);
          if (!timing.ok) throw new Error(timing.error);
          c.backend = chosen.value.backend;
          c.accel = accel.value.accel;
          c.timing = timing.value;
          const emulated = accel.value.accel === 'tcg' && timing.value.mode === 'timed' ? ' (emulated: relative figures only)' : '';
          task.title = `Backend ${chosen.value.backend.name} (${chosen.value.reason}); accelerator ${accel.value.accel}${emulated}: ${accel.value.reason}; timing: ${timingText(timing.value)}`;
          Object.assign(meta, {
            backend: chosen.value.backend.name,
            backendReason: chosen.value.reason,
            accelerator: accel.value.accel,
            acceleratorReason: accel.value.reason,
          });
          if (!opts.dryRun) await writeRunMeta(run.runDir, meta);
        },
      },
      {
        title: opts.dryRun ? 'Commands each cell would run' : 'Run cells',
        enabled: () => todo.length > 0,
        task: (c, task) => {
          // How many at once depends on the timing mode, known once the accelerator is.
          const parallel = defaultParallelism(run.matrix.runner, c.timing!);
          if (!opts.dryRun) task.title = `Run cells (${parallel} at once)`;
          return task.newListr(
            todo.map((cell) => ({
              title: cell.id,
              skip: () => !c.kernels.has(cell.kernel.id) && `kernel ${cell.kernel.id} was not fetched`,
              task: async (_c2, sub) => {
                const spec: Omit<CellRunSpec, 'workDir'> = {
                  cellId: cell.id,
                  kernel: c.kernels.get(cell.kernel.id)!,
                  boot: cell.boot,
                  benchmark: cell.benchmark,
                  runner: run.matrix.runner,
                  accel: c.accel!,
                  timing: c.timing!,
                  payload: c.payload!,
                };
                if (opts.dryRun) {
                  const lines = await c.backend!.describe({ ...spec, workDir: `<tmp>/${cell.id}` });
                  dryRunLines.push(`# ${cell.id}`, ...lines);
                  sub.title = `${cell.id}: ${lines.length} command(s)`;
                  return;
                }
                const result = await runCell({
                  runId: run.runId,
                  runDir: run.runDir,
                  backend: c.backend!,
                  spec,
                  signal: signal,
                  emit: (e: RunEvent) => {
                    if (e.type === 'cell' && e.event.type === 'phase') sub.output = e.event.phase;
                    else if (e.type === 'cell' && e.event.type === 'console' && opts.verbose) sub.output = e.event.line;
                    else if (e.type === 'cell' && e.event.type === 'progress') sub.output = e.event.text;
                  },
                });
                if (!result) {
                  sub.skip(`${cell.id}: interrupted (rerun with --resume ${run.runId})`);
                  return;
                }
                c.results.push(result);
                sub.title = `${cell.id}: ${headline(result)}`;
                if (result.status !== 'ok') throw new Error(`${cell.id}: ${headline(result)}`);
              },
            })),
            { concurrent: parallel, exitOnError: false },
          );
        },
      },
      {
        title: 'Write reports',
        enabled: () => !opts.dryRun,
        skip: () => signal.aborted && 'interrupted',
        task: async (c, task) => {
          const written = await writeReports({
            resultDirs: [run.runDir],
            outDir: run.runDir,
            baseline: opts.baseline,
            gate: run.matrix.gate,
            // On GitHub Actions the Markdown report becomes the job's step summary.
            stepSummary: process.env.GITHUB_STEP_SUMMARY,
          });
          if (!written.ok) throw new Error(written.error);
          c.reportExit = written.value.exitCode;
          task.title = `Reports: ${written.value.files.map((f) => path.relative(process.cwd(), f)).join(', ')}`;
        },
      },
    ],
    listrOptions({ quiet: opts.quiet, verbose: opts.verbose, env: process.env, stream: process.stderr }),
  );

  let pipelineError: Error | undefined;
  try {
    await tasks.run(ctx);
  } catch (e) {
    pipelineError = e as Error;
  } finally {
    unwire();
    if (!opts.dryRun && todo.length > 0) {
      meta.status = signal.aborted ? 'interrupted' : pipelineError ? 'failed' : 'complete';
      meta.finishedAt = new Date().toISOString();
      await writeRunMeta(run.runDir, meta).catch(() => undefined);
    }
  }
  if (opts.dryRun) process.stdout.write(`${dryRunLines.join('\n')}\n`);
  return exitCodeFor({ ctx, pipelineError, interrupted: signal.aborted, fetchFailures, run });
}

async function initialMeta(run: PreparedRun): Promise<RunMeta> {
  const lock = await readLock(run.lockFile);
  return {
    version: 1,
    runId: run.runId,
    status: 'running',
    startedAt: new Date().toISOString(),
    tool: { name: 'tailmatrix', version: TOOL_VERSION },
    host: hostInfo(),
    backend: run.matrix.runner.backend,
    accelerator: run.matrix.runner.accel,
    acceleratorReason: 'not probed yet',
    matrixFile: run.matrixFile,
    matrix: run.matrix,
    lock: lock.ok ? lock.value : undefined,
    cells: run.cells.map((c) => c.id),
  };
}

function exitCodeFor(i: {
  ctx: Ctx;
  pipelineError?: Error;
  interrupted: boolean;
  fetchFailures: KernelFailure[];
  run: PreparedRun;
}): number {
  if (i.interrupted) {
    process.stderr.write(
      `interrupted: ${i.ctx.results.length} cell(s) finished and saved in ${i.run.runDir}; ` +
        `continue with: tailmatrix run --resume ${i.run.runId}\n`,
    );
    return EXIT.interrupted;
  }
  if (i.fetchFailures.length > 0) {
    for (const f of i.fetchFailures) process.stderr.write(`error: ${f.message}\n`);
    return i.fetchFailures.some((f) => f.badInput) ? EXIT.badInput : EXIT.unavailable;
  }
  if (i.ctx.reportExit !== undefined && i.ctx.reportExit !== EXIT.ok) return i.ctx.reportExit;
  if (i.ctx.results.some((r) => r.status !== 'ok')) return EXIT.cellFailures;
  if (i.pipelineError) {
    process.stderr.write(`error: ${i.pipelineError.message}\n`);
    return EXIT.unavailable;
  }
  return EXIT.ok;
}
