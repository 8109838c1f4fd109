// `run` as a library function: prepare → fetch → payload → accelerator + backend → cells → reports.
// It emits RunEvents as it goes and returns an Outcome; it prints nothing and exits nothing, so the CLI,
// tests and other commands (bisect) drive it alike. Finished cells are on disk before the next one
// starts; run.json records the run's life; Ctrl-C (the signal) stops VMs and keeps what finished.
import { setMaxListeners } from 'node:events';
import { fetchAll } from '../kernels/index.js';
import { ensurePayload } from '../guest/payload.js';
import { loadMatrix } from '../matrix/load.js';
import type { Runner } from '../matrix/schema.js';
import type { CellResult } from '../results/cell-result.js';
import { writeReports } from '../report/write-reports.js';
import { defaultParallelism } from '../run/parallelism.js';
import { isRunningKernel } from '../run/plan.js';
import { scheduleCells } from '../run/schedule.js';
import { createNativeBackend } from '../vm/native.js';
import { prepareRun, type PreparedRun } from '../run/prepare.js';
import { runCell } from '../run/run-cell.js';
import { runPool } from '../util/pool.js';
import { pickBackend } from '../vm/backend.js';
import { probeAccelerator } from '../vm/accel.js';
import type { CellRunSpec, VmBackend } from '../vm/types.js';
import type { Accelerator } from '../results/cell-result.js';
import type { Emit, RunEvent } from './events.js';
import { fromKernelFailures, OK, type Outcome } from '../run/outcome.js';
import { closeMeta, initialMeta, writeRunMeta } from './run-meta.js';
import { cellOutcome } from '../report/verdict.js';

export interface RunInput {
  matrixFile: string;
  /** Flags that override matrix.json's runner (accelerator, backend, cells at once …). */
  runner?: Partial<Runner>;
  /** `--kernel` values: matrix ids, or paths to a kernel image. */
  kernelArgs?: readonly string[];
  boots?: readonly string[];
  benches?: readonly string[];
  tree?: string;
  patches?: readonly string[];
  compareWith?: readonly string[];
  resume?: string;
  resultsRoot: string;
  dryRun?: boolean;
  frozenLockfile?: boolean;
  /** Running-kernel cells may lower bpf_jit_harden / kptr_restrict for the measurement (restored after). */
  unhardenHost?: boolean;
  /** Go on with unverified Debian indexes when gpgv or the keyring is missing (recorded in the lock). */
  allowUnsigned?: boolean;
  baseline?: string;
  /** Append the Markdown report here too (GitHub's $GITHUB_STEP_SUMMARY). */
  stepSummary?: string;
}

/** The steps that touch the machine, passed in so the engine's own logic is testable without QEMU. */
export interface RunDeps {
  ensurePayload: typeof ensurePayload;
  probeAccelerator: typeof probeAccelerator;
  pickBackend: (name: Runner['backend'], accel: Accelerator) => ReturnType<typeof pickBackend>;
  /** The backend of running-kernel cells (the agent on this host, no VM). */
  nativeBackend: (o: { unhardenHost: boolean }) => VmBackend;
  now: () => Date;
}

const realDeps: RunDeps = {
  ensurePayload,
  probeAccelerator,
  pickBackend: (n, a) => pickBackend(n, a),
  nativeBackend: (o) => createNativeBackend(o),
  now: () => new Date(),
};

export interface RunResult {
  outcome: Outcome;
  /** Absent when the run never started (bad matrix, bad flags). */
  run?: PreparedRun;
  results: CellResult[];
}

export async function runMatrix(
  input: RunInput,
  io: { emit?: Emit<RunEvent>; signal?: AbortSignal; deps?: Partial<RunDeps> } = {},
): Promise<RunResult> {
  const emit = io.emit ?? (() => undefined);
  const deps = { ...realDeps, ...io.deps };
  const signal = io.signal ?? new AbortController().signal;
  // Every VM, download and build listens on the one Ctrl-C signal.
  setMaxListeners(0, signal);
  const end = (outcome: Outcome, results: CellResult[] = [], run?: PreparedRun): RunResult => {
    emit({ type: 'run-end', outcome, finished: results.length });
    return { outcome, run, results };
  };

  const loaded = await loadMatrix(input.matrixFile);
  if (!loaded.ok) return end({ kind: 'bad-input', messages: [`${input.matrixFile} is not a valid matrix:`, ...loaded.error] });
  const prepared = await prepareRun({
    matrix: { ...loaded.value.matrix, runner: { ...loaded.value.matrix.runner, ...input.runner } },
    matrixFile: loaded.value.file,
    kernelArgs: input.kernelArgs ?? [],
    boots: input.boots ?? [],
    benches: input.benches ?? [],
    tree: input.tree,
    patches: input.patches ?? [],
    compareWith: input.compareWith ?? [],
    resume: input.resume,
    resultsRoot: input.resultsRoot,
    now: deps.now(),
  });
  if (!prepared.ok) return end({ kind: 'bad-input', messages: ['cannot start the run:', ...prepared.error] });
  const run = prepared.value;
  const todo = run.cells.filter((c) => !run.done.has(c.id));
  const dryRun = input.dryRun ?? false;
  emit({ type: 'run-start', runId: run.runId, runDir: run.runDir, todo: todo.map((c) => c.id), done: [...run.done], dryRun });
  if (todo.length === 0) return end(await report(input, run, emit, []), [], run);

  const meta = await initialMeta(run, deps.now());
  const results: CellResult[] = [];
  const finish = async (outcome: Outcome): Promise<RunResult> => {
    if (!dryRun) {
      const status = outcome.kind === 'interrupted' ? 'interrupted' : outcome.kind === 'bad-input' || outcome.kind === 'unavailable' ? 'failed' : 'complete';
      await closeMeta(run.runDir, meta, status, deps.now());
    }
    return end(outcome, results, run);
  };
  const interrupted = (): Outcome => ({ kind: 'interrupted', message: `${results.length} cell(s) finished and saved in ${run.runDir}; continue with: tailmatrix run --resume ${run.runId}` });

  const fetched = await fetchAll(
    { matrix: run.matrix, matrixFile: run.matrixFile, lockFile: run.lockFile, kernelIds: [...new Set(todo.map((c) => c.kernel.id))], frozenLockfile: input.frozenLockfile, allowUnsigned: input.allowUnsigned, signal },
    (event) => emit({ type: 'fetch', event }),
  );
  if (signal.aborted) return finish(interrupted());
  if (fetched.refused) return finish(fromKernelFailures(fetched.failures));
  const fetchOutcome = fetched.failures.length > 0 ? fromKernelFailures(fetched.failures) : OK;

  const stopped = async (step: 'payload' | 'backend', message: string) => {
    emit({ type: 'step-failed', step, message });
    return finish(signal.aborted ? interrupted() : { kind: 'unavailable', messages: [message] });
  };
  const payload = await deps.ensurePayload({ signal });
  if (!payload.ok) return stopped('payload', payload.error);
  emit({ type: 'payload', hash: payload.value.hash });

  // VM cells in parallel, then running-kernel cells on the host one at a time (src/run/schedule.ts).
  const phases = scheduleCells(todo, defaultParallelism(run.matrix.runner));
  const native = { backend: deps.nativeBackend({ unhardenHost: input.unhardenHost ?? false }), accel: 'none' as const };
  let vm: { backend: VmBackend; accel: Accelerator } | undefined;
  // Accelerator first: which backend pays off depends on it (vng is slow under TCG). Only VM cells need it.
  const probeKernel = todo.filter((c) => !isRunningKernel(c.kernel)).map((c) => fetched.kernels.get(c.kernel.id)).find((k) => k !== undefined);
  if (probeKernel !== undefined) {
    const accel = await deps.probeAccelerator(run.matrix.runner.accel, probeKernel, { signal });
    if (!accel.ok) return stopped('backend', accel.error);
    const chosen = await deps.pickBackend(run.matrix.runner.backend, accel.value.accel);
    if (!chosen.ok) return stopped('backend', chosen.error);
    vm = { backend: chosen.value.backend, accel: accel.value.accel };
    emit({ type: 'backend', backend: vm.backend.name, backendReason: chosen.value.reason, accel: vm.accel, accelReason: accel.value.reason });
    Object.assign(meta, { backend: vm.backend.name, backendReason: chosen.value.reason, accelerator: vm.accel, acceleratorReason: accel.value.reason });
    if (!dryRun) await writeRunMeta(run.runDir, meta);
  }

  emit({ type: 'cells-start', phases: phases.map((p) => ({ kind: p.kind, concurrency: p.concurrency, cells: p.cells.map((c) => c.id) })) });
  for (const phase of phases) {
    const where = phase.kind === 'native' ? native : vm;
    await runPool(
      phase.cells,
      phase.concurrency,
      async (cell) => {
        const kernel = fetched.kernels.get(cell.kernel.id);
        if (kernel === undefined || where === undefined) {
          emit({ type: 'cell-not-run', cellId: cell.id, reason: `kernel ${cell.kernel.id} was not fetched` });
          return;
        }
        const spec: Omit<CellRunSpec, 'workDir'> = {
          cellId: cell.id,
          kernel,
          boot: cell.boot,
          benchmark: cell.benchmark,
          runner: run.matrix.runner,
          accel: where.accel,
          payload: payload.value,
        };
        if (dryRun) {
          emit({ type: 'cell-described', cellId: cell.id, lines: await where.backend.describe({ ...spec, workDir: `<tmp>/${cell.id}` }) });
          return;
        }
        const result = await runCell({ runId: run.runId, runDir: run.runDir, backend: where.backend, spec, signal, emit });
        if (result) results.push(result);
      },
      signal,
    );
  }
  if (signal.aborted) return finish(interrupted());
  if (dryRun) return finish(fetchOutcome);
  const reported = await report(input, run, emit, results);
  // A kernel that could not be fetched is the first thing to fix; then what the report found.
  return finish(fetchOutcome.kind !== 'ok' ? fetchOutcome : reported);
}

/** Reports over every cell of the run directory (resumed runs included) and the gate's verdict. */
async function report(input: RunInput, run: PreparedRun, emit: Emit<RunEvent>, results: CellResult[]): Promise<Outcome> {
  if (input.dryRun) return OK;
  const written = await writeReports({ resultDirs: [run.runDir], outDir: run.runDir, baseline: input.baseline, gate: run.matrix.gate, stepSummary: input.stepSummary });
  if (!written.ok) {
    emit({ type: 'step-failed', step: 'reports', message: written.error });
    return { kind: 'bad-input', messages: [written.error] };
  }
  emit({ type: 'reports', files: written.value.files });
  const verdict = written.value.verdict;
  return verdict.kind !== 'ok' ? verdict : cellOutcome(results);
}
