// `run` as a library function: prepare → fetch → payload → accelerator + backend → cells → reports.
// It emits RunEvents as it goes and returns an Outcome; it prints nothing and exits nothing, so the CLI,
// tests and other commands (bisect) drive it alike. Finished cells are on disk before the next one
// starts; run.json records the run's life; Ctrl-C (the signal) stops VMs and keeps what finished.
import path from 'node:path';
import { setMaxListeners } from 'node:events';
import { rm } from 'node:fs/promises';
import { fetchAll } from '../kernels/index.js';
import type { Arch } from '../arch/index.js';
import { ensurePayload } from '../guest/payload.js';
import { loadMatrix } from '../matrix/load.js';
import type { Runner } from '../matrix/schema.js';
import type { CellResult } from '../results/cell-result.js';
import { writeReports } from './report.js';
import { defaultParallelism } from '../cells/parallelism.js';
import { isRunningKernel, type Cell } from '../cells/plan.js';
import type { FetchedKernel } from '../kernels/types.js';
import type { RunMeta } from '../results/run-meta.js';
import { err, ok, type Result } from '../util/result.js';
import { scheduleCells } from '../cells/schedule.js';
import { createNativeBackend } from '../vm/native.js';
import { timingText, type Timing } from '../measure/timing.js';
import { prepareRun, type PreparedRun, type TreeBuildFlags } from '../cells/prepare.js';
import { runCell } from '../cells/run-cell.js';
import { cellRunSpec } from '../cells/cell-spec.js';
import { concurrencyTracker, type ConcurrencyTracker } from '../cells/concurrency.js';
import { runPool } from '../util/pool.js';
import { chooseTarget, realTargetDeps, type TargetDeps } from '../vm/target.js';
import type { VmBackend } from '../vm/types.js';
import type { GuestPayload } from '../guest/payload.js';
import type { Accelerator } from '../results/cell-result.js';
import type { Emit, RunEvent } from './events.js';
import { fromKernelFailures, OK, type Outcome } from './outcome.js';
import { closeMeta, initialMeta, writeRunMeta } from './run-json.js';
import { diskFullMessage, isDiskFull } from '../util/disk-full.js';
import { lockHolder, tryLock } from '../util/file-lock.js';

export interface RunInput {
  matrixFile: string;
  /** Flags that override matrix.json's runner (accelerator, backend, cells at once …). */
  runner?: Partial<Runner>;
  /** `--kernel` values: matrix ids, or paths to a kernel image. */
  kernelArgs?: readonly string[];
  /** The architecture of a `--kernel` image (absent: read from its header). */
  kernelArch?: Arch;
  boots?: readonly string[];
  benches?: readonly string[];
  tree?: string;
  patches?: readonly string[];
  /** --ref, --base, --config, --fragment, --make-jobs for --tree, as `tailmatrix build` takes them. */
  treeBuild?: TreeBuildFlags;
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
export interface RunDeps extends TargetDeps {
  ensurePayload: typeof ensurePayload;
  /** The backend of running-kernel cells (the agent on this host, no VM). */
  nativeBackend: (o: { unhardenHost: boolean }) => VmBackend;
  now: () => Date;
}

const realDeps: RunDeps = {
  ensurePayload,
  ...realTargetDeps,
  nativeBackend: (o) => createNativeBackend(o),
  now: () => new Date(),
};

interface RunResult {
  outcome: Outcome;
  /** Absent when the run never started (bad matrix, bad flags). */
  run?: PreparedRun;
  results: CellResult[];
}

/** What every step of one run shares. */
interface Ctx {
  input: RunInput;
  run: PreparedRun;
  deps: RunDeps;
  emit: Emit<RunEvent>;
  signal: AbortSignal;
  dryRun: boolean;
  results: CellResult[];
  /** How many cells run at once, recorded in each (src/cells/concurrency.ts). */
  concurrency: ConcurrencyTracker;
}

/** Where a cell runs: a VM backend with its accelerator, or this host (accelerator none). */
interface Place {
  backend: VmBackend;
  accel: Accelerator;
  /** Instruction counting or timed (src/measure/timing.ts); the running kernel is always timed on hardware. */
  timing: Timing;
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

  const started = await startRun(input, deps.now());
  if (!started.ok) return end(started.error);
  const run = started.value;
  // One process per run directory: a --resume of a run still going on would rerun every cell beside it.
  // An OS lock, so a killed run's directory is free at once.
  const runLock = input.dryRun ? undefined : await tryLock(path.join(run.runDir, RUN_LOCK));
  if (!input.dryRun && runLock === undefined) {
    const holder = await lockHolder(path.join(run.runDir, `${RUN_LOCK}.lock`));
    return end({
      kind: 'bad-input',
      messages: [`run ${run.runId} is still running (${holder}): wait for it to end, or stop it, before --resume`],
    });
  }
  try {
    return await continueRun(input, run, deps, emit, signal, end);
  } finally {
    await runLock?.();
  }
}

/** The lock a running run holds in its directory (`.run.lock`). */
const RUN_LOCK = '.run';

async function continueRun(
  input: RunInput,
  run: PreparedRun,
  deps: RunDeps,
  emit: Emit<RunEvent>,
  signal: AbortSignal,
  end: (outcome: Outcome, results?: CellResult[], run?: PreparedRun) => RunResult,
): Promise<RunResult> {
  const todo = run.cells.filter((c) => !run.done.has(c.id));
  const c: Ctx = { input, run, deps, emit, signal, dryRun: input.dryRun ?? false, results: [], concurrency: concurrencyTracker() };
  emit({ type: 'run-start', runId: run.runId, runDir: run.runDir, todo: todo.map((x) => x.id), done: [...run.done], dryRun: c.dryRun });
  if (todo.length === 0) return end(await report(c), [], run);

  const meta = await initialMeta(run, deps.now());
  // On disk before any cell: a run killed in its first cell (a native-only one never reaches the
  // backend choice, which rewrites it) still leaves a run.json that --resume continues.
  if (!c.dryRun) await writeRunMeta(run.runDir, meta);
  let outcome: Outcome;
  try {
    outcome = await runSteps(c, todo, meta);
  } catch (e) {
    // Never leave run.json `running` behind a throw; a full disk is the machine's fault (exit 69).
    if (!c.dryRun) await closeMeta(run.runDir, meta, 'failed', deps.now());
    if (!isDiskFull(e)) throw e;
    outcome = { kind: 'unavailable', messages: [await diskFullMessage(e)] };
    return end(outcome, c.results, run);
  }
  if (!c.dryRun) await closeMeta(run.runDir, meta, metaStatus(outcome), deps.now());
  // A dry run measures nothing: a new run's folder (it may hold a copy of the lock for a user's kernel) would
  // be a stub without cells that `report results/*` refuses. A resumed run's folder is the user's: kept.
  else if (!run.resumed) await rm(run.runDir, { recursive: true, force: true });
  return end(outcome, c.results, run);
}

async function startRun(input: RunInput, now: Date): Promise<Result<PreparedRun, Outcome>> {
  const loaded = await loadMatrix(input.matrixFile);
  if (!loaded.ok) return err({ kind: 'bad-input', messages: [`${input.matrixFile} is not a valid matrix:`, ...loaded.error] });
  const prepared = await prepareRun({
    matrix: { ...loaded.value.matrix, runner: { ...loaded.value.matrix.runner, ...input.runner } },
    matrixFile: loaded.value.file,
    kernelArgs: input.kernelArgs ?? [],
    ...(input.kernelArch !== undefined ? { kernelArch: input.kernelArch } : {}),
    boots: input.boots ?? [],
    benches: input.benches ?? [],
    tree: input.tree,
    patches: input.patches ?? [],
    treeBuild: input.treeBuild,
    compareWith: input.compareWith ?? [],
    resume: input.resume,
    resultsRoot: input.resultsRoot,
    now,
  });
  return prepared.ok ? prepared : err({ kind: 'bad-input', messages: ['cannot start the run:', ...prepared.error] });
}

function metaStatus(o: Outcome): RunMeta['status'] {
  if (o.kind === 'interrupted') return 'interrupted';
  return o.kind === 'bad-input' || o.kind === 'unavailable' ? 'failed' : 'complete';
}

/** A path as one shell word (quoted only when it needs to be). */
function shellWord(p: string): string {
  return /^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replaceAll("'", "'\\''")}'`;
}

/** fetch → payload → accelerator + backend → cells → reports; the first step that cannot go on decides. */
async function runSteps(c: Ctx, todo: Cell[], meta: RunMeta): Promise<Outcome> {
  const { run, signal, emit } = c;
  const interrupted = (): Outcome => ({
    kind: 'interrupted',
    // The same matrix and results folder, or --resume finds no such run (exit 64).
    message: `${c.results.length} cell(s) finished and saved in ${run.runDir}; continue with: tailmatrix run --resume ${run.runId} -m ${shellWord(c.input.matrixFile)} --results ${shellWord(c.input.resultsRoot)}`,
  });
  const stopped = (step: 'payload' | 'backend', message: string): Outcome => {
    emit({ type: 'step-failed', step, message });
    return signal.aborted ? interrupted() : { kind: 'unavailable', messages: [message] };
  };

  const fetched = await fetchAll(
    {
      matrix: run.matrix,
      matrixFile: run.matrixFile,
      lockFile: run.lockFile,
      kernelIds: [...new Set(todo.map((x) => x.kernel.id))],
      frozenLockfile: c.input.frozenLockfile,
      allowUnsigned: c.input.allowUnsigned,
      makeJobs: c.input.treeBuild?.makeJobs,
      signal,
    },
    (event) => emit({ type: 'fetch', event }),
  );
  if (signal.aborted) return interrupted();
  if (fetched.refused) return fromKernelFailures(fetched.failures);
  // The user's own kernel is what the run is for: a patch that does not apply or a tree that does not build
  // ends the run here, before any reference kernel boots, instead of in the report at the end.
  if (fetched.failures.some((f) => f.kernelId !== undefined && run.userKernels.includes(f.kernelId)))
    return fromKernelFailures(fetched.failures);
  const fetchOutcome = fetched.failures.length > 0 ? fromKernelFailures(fetched.failures) : OK;

  // One payload per guest architecture among the cells (amd64 always: the running kernel's agent is the host's).
  const payloads = new Map<Arch, GuestPayload>();
  for (const arch of new Set<Arch>(['amd64', ...todo.map((x) => x.kernel.arch)])) {
    const payload = await c.deps.ensurePayload({ signal, ...(arch !== 'amd64' ? { arch } : {}) });
    if (!payload.ok) return stopped('payload', arch === 'amd64' ? payload.error : `${arch}: ${payload.error}`);
    emit({ type: 'payload', hash: payload.value.hash, ...(payload.value.rebuilt ? { rebuilt: payload.value.rebuilt } : {}) });
    payloads.set(arch, payload.value);
  }

  const vm = await chooseVm(c, todo, fetched.kernels, meta);
  if (!vm.ok) return stopped('backend', vm.error);
  const native: Place = {
    backend: c.deps.nativeBackend({ unhardenHost: c.input.unhardenHost ?? false }),
    accel: 'none',
    timing: { mode: 'timed' },
  };

  // VM cells in parallel under instruction counting, timed ones one at a time unless runner.parallel
  // says otherwise (src/cells/parallelism.ts); then running-kernel cells on the host one at a time
  // (src/cells/schedule.ts).
  const phases = scheduleCells(todo, defaultParallelism(run.matrix.runner, [...vm.value.values()][0]?.timing ?? native.timing));
  emit({ type: 'cells-start', phases: phases.map((p) => ({ kind: p.kind, concurrency: p.concurrency, cells: p.cells.map((x) => x.id) })) });
  for (const phase of phases) {
    await runPool(
      phase.cells,
      phase.concurrency,
      (cell) =>
        runOne(
          c,
          cell,
          fetched.kernels.get(cell.kernel.id),
          phase.kind === 'native' ? native : vm.value.get(cell.kernel.arch),
          payloads.get(cell.kernel.arch)!,
        ),
      signal,
    );
  }
  if (signal.aborted) return interrupted();
  if (c.dryRun) return fetchOutcome;
  const reported = await report(c);
  // A kernel that could not be fetched is the first thing to fix; then what the report found.
  return fetchOutcome.kind !== 'ok' ? fetchOutcome : reported;
}

/**
 * The targets of the VM cells (src/vm/target.ts), one per guest architecture among them, each probed on
 * that architecture's first kernel (KVM can run the host's architecture only); none without VM cells.
 * run.json records each one in `targets` (and the first in its top-level backend and accelerator, whose
 * reasons name their architecture when there are several).
 */
async function chooseVm(
  c: Ctx,
  todo: Cell[],
  kernels: Map<string, FetchedKernel>,
  meta: RunMeta,
): Promise<Result<Map<Arch, Place>, string>> {
  const vmKernels = todo
    .filter((x) => !isRunningKernel(x.kernel))
    .map((x) => kernels.get(x.kernel.id))
    .filter((k): k is FetchedKernel => k !== undefined);
  const arches = [...new Set(vmKernels.map((k) => k.arch))];
  const places = new Map<Arch, Place>();
  for (const arch of arches) {
    const probeKernel = vmKernels.find((k) => k.arch === arch)!;
    const chosen = await chooseTarget(c.run.matrix.runner, probeKernel, { signal: c.signal, deps: c.deps });
    if (!chosen.ok) return arches.length > 1 ? err(`${arch}: ${chosen.error}`) : chosen;
    const { accel, timing, backend } = chosen.value;
    const named = (reason: string) => (arches.length > 1 ? `${arch}: ${reason}` : reason);
    c.emit({
      type: 'backend',
      backend: backend.value.name,
      backendReason: named(backend.reason),
      accel: accel.value,
      accelReason: named(accel.reason),
      timing: timingText(timing.value),
      emulatedTime: accel.value === 'tcg' && timing.value.mode === 'timed',
    });
    // The top-level fields keep the first target (what older readers know); `targets` has every one.
    if (places.size === 0) {
      Object.assign(meta, {
        backend: backend.value.name,
        backendReason: named(backend.reason),
        accelerator: accel.value,
        acceleratorReason: named(accel.reason),
      });
    }
    meta.targets = [
      ...(meta.targets ?? []),
      {
        arch,
        archReason: chosen.value.arch.reason,
        accelerator: accel.value,
        acceleratorReason: accel.reason,
        timing: timing.value,
        timingReason: timing.reason,
        backend: backend.value.name,
        backendReason: backend.reason,
      },
    ];
    if (!c.dryRun) await writeRunMeta(c.run.runDir, meta);
    places.set(arch, { backend: backend.value, accel: accel.value, timing: timing.value });
  }
  return ok(places);
}

async function runOne(
  c: Ctx,
  cell: Cell,
  kernel: FetchedKernel | undefined,
  place: Place | undefined,
  payload: GuestPayload,
): Promise<void> {
  if (kernel === undefined || place === undefined) {
    c.emit({ type: 'cell-not-run', cellId: cell.id, reason: `kernel ${cell.kernel.id} was not fetched` });
    return;
  }
  const spec = cellRunSpec({
    cellId: cell.id,
    replicate: cell.replicate,
    kernel,
    boot: cell.boot,
    benchmark: cell.benchmark,
    runner: c.run.matrix.runner,
    accel: place.accel,
    timing: place.timing,
    payload,
  });
  if (c.dryRun) {
    c.emit({ type: 'cell-described', cellId: cell.id, lines: await place.backend.describe({ ...spec, workDir: `<tmp>/${cell.id}` }) });
    return;
  }
  const result = await runCell({
    runId: c.run.runId,
    runDir: c.run.runDir,
    backend: place.backend,
    spec,
    signal: c.signal,
    emit: c.emit,
    concurrency: c.concurrency,
  });
  if (result) c.results.push(result);
}

/** Reports over every cell of the run directory (resumed runs included) and the gate's verdict. */
async function report({ input, run, emit }: Ctx): Promise<Outcome> {
  if (input.dryRun) return OK;
  const written = await writeReports({
    resultDirs: [run.runDir],
    outDir: run.runDir,
    baseline: input.baseline,
    gate: run.matrix.gate,
    stepSummary: input.stepSummary,
  });
  if (!written.ok) {
    emit({ type: 'step-failed', step: 'reports', message: written.error });
    return { kind: 'bad-input', messages: [written.error] };
  }
  emit({ type: 'reports', files: written.value.files });
  // The summary holds every cell of the run directory, this run's included: its verdict covers them.
  return written.value.verdict;
}

// The one-line figure a finished cell shows in the progress display.
export { headline } from '../cells/headline.js';
