// Real kernels and the real payload for the qemu/accel/faults integration tests: the oldest (bullseye,
// 5.10) and newest (sid) Debian cloud kernels, through the project's own fetcher into the shared cache
// (TAILMATRIX_CACHE or ~/.cache/tailmatrix), so later runs download nothing.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fetchKernels } from '../../src/kernels/index.js';
import type { FetchedKernel } from '../../src/kernels/types.js';
import { ensurePayload } from '../../src/guest/payload.js';
import { benchmark, matrix, runner, type TestRunParams } from '../../src/matrix/schema.js';
import type { CellEnd, CellEvent, CellRunSpec } from '../../src/vm/types.js';
import { qemuBackend } from '../../src/vm/qemu.js';
import type { Sample } from '../../src/results/cell-result.js';
import type { GuestPayload } from '../../src/guest/payload.js';
import { ICOUNT_SHIFT, type Timing } from '../../src/measure/timing.js';
import type { AgentOutput } from '../../src/measure/agent-output.types.js';
import { interleavedOrder } from '../../src/measure/sweep-order.js';
import { afterAll, expect } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { proveSymmetry } from '../../src/measure/jit-symmetry.js';
import { cellRunSpec } from '../../src/cells/cell-spec.js';

export const TEST_KERNELS = {
  oldest: { id: '5.10-cloud', source: { type: 'debian', suite: 'bullseye', package: 'linux-image-cloud-amd64' } },
  newest: { id: 'sid-cloud', source: { type: 'debian', suite: 'sid', package: 'linux-image-cloud-amd64' } },
} as const;

// Every folder these helpers make lives under one scratch folder per test file, removed after it.
const scratch = mkdtempSync(path.join(os.tmpdir(), 'tailmatrix-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let fetched: Promise<Map<string, FetchedKernel>> | undefined;

export function testKernels(): Promise<Map<string, FetchedKernel>> {
  fetched ??= (async () => {
    const m = matrix.parse({
      kernels: Object.values(TEST_KERNELS),
      boots: [{ name: 'default' }],
      benchmarks: [{ name: 'test-run', type: 'test-run' }],
    });
    // The project's lockfile, copied to a scratch dir: the tests boot exactly the kernels the default
    // matrix pins (no suite index needed, and sid's short-lived Valid-Until cannot break them).
    const dir = mkdtempSync(path.join(scratch, 'matrix-'));
    copyFileSync(path.join(PACKAGE_ROOT, 'matrix.lock.json'), path.join(dir, 'matrix.lock.json'));
    const res = await fetchKernels({ matrix: m, matrixFile: path.join(dir, 'matrix.json') });
    if (!res.ok) throw new Error(`fetching test kernels failed: ${res.error.map((e) => e.message).join('; ')}`);
    return res.value.kernels;
  })();
  return fetched;
}

export async function testKernel(which: keyof typeof TEST_KERNELS): Promise<FetchedKernel> {
  const k = (await testKernels()).get(TEST_KERNELS[which].id);
  if (!k) throw new Error(`kernel ${TEST_KERNELS[which].id} missing`);
  return k;
}

let payload: Promise<GuestPayload> | undefined;
export function testPayload(): Promise<GuestPayload> {
  payload ??= ensurePayload().then((p) => {
    if (!p.ok) throw new Error(`payload: ${p.error}`);
    return p.value;
  });
  return payload;
}

/** A small sweep: each boot takes seconds, not minutes, under TCG. */
export const SMALL_SWEEP: Partial<TestRunParams> = { maxDepth: 4, samples: 3, repeat: 200, variants: ['direct', 'indirect'] };

export function cellSpec(
  kernel: FetchedKernel,
  pl: GuestPayload,
  over: { cmdline?: string; timeoutSec?: number; params?: Partial<TestRunParams>; timing?: Timing } = {},
): CellRunSpec {
  // As `run` builds it: the sweep resolved for the timing (src/cells/cell-spec.ts).
  return cellRunSpec({
    cellId: `${kernel.id}-test`,
    kernel,
    boot: { name: 'test', cmdline: over.cmdline ?? '' },
    benchmark: benchmark.parse({ name: 'test-run', type: 'test-run', params: { ...SMALL_SWEEP, ...over.params } }),
    runner: runner.parse({ backend: 'qemu', accel: 'tcg', timeoutSec: over.timeoutSec ?? 300 }),
    accel: 'tcg',
    timing: over.timing ?? { mode: 'timed' },
    payload: pl,
    workDir: mkdtempSync(path.join(scratch, 'cell-')),
  });
}

/**
 * One arm64 test-run cell booted as `run` builds it (qemu-system-aarch64, TCG, -icount): both variants to
 * `maxDepth`, 3 samples of repeat 1 (exact counts), the given seed; asserts the cell ended ok (the
 * console tail as the message otherwise) and logs its status and wall time under `label`.
 */
export async function bootArm64TestRun(o: {
  label: string;
  kernel: FetchedKernel;
  payload: GuestPayload;
  maxDepth: number;
  seed: number;
  timeoutSec: number;
  emit?: (e: CellEvent) => void;
}): Promise<CellEnd> {
  const spec = cellRunSpec({
    cellId: `${o.kernel.id}-${o.seed}`,
    kernel: o.kernel,
    boot: { name: 'default', cmdline: '' },
    benchmark: benchmark.parse({
      name: 'test-run',
      type: 'test-run',
      params: { maxDepth: o.maxDepth, samples: ARM64_SAMPLES, repeat: 1, variants: ['direct', 'indirect'], seed: o.seed },
    }),
    runner: runner.parse({ backend: 'qemu', accel: 'tcg', timeoutSec: o.timeoutSec }),
    accel: 'tcg',
    timing: { mode: 'icount', shift: ICOUNT_SHIFT },
    payload: o.payload,
    workDir: mkdtempSync(path.join(scratch, 'cell-')),
  });
  const started = Date.now();
  const end = await qemuBackend.runCell(spec, { signal: new AbortController().signal, emit: o.emit ?? (() => undefined) });
  console.log(`[${o.label} seed ${o.seed}] status ${end.status} in ${Date.now() - started} ms${end.message ? `: ${end.message}` : ''}`);
  expect(end.status, end.consoleTail.join('\n')).toBe('ok');
  return end;
}

/** Samples per depth bootArm64TestRun asks for. */
const ARM64_SAMPLES = 3;

/**
 * Per variant the instructions at each depth 0..maxDepth of an exact (-icount, repeat 1) sweep: the fewest,
 * as the analysis takes it, a whole number that most samples of the depth gave exactly; any other sample
 * counted more (a timer interrupt inside the window can only add instructions: seen once on 6.12 arm64,
 * 3279 against 321, 321).
 */
export function exactCountsPerDepth(variants: readonly { variant: string; samples: readonly Sample[] }[], maxDepth: number): number[][] {
  return variants.map((v) =>
    Array.from({ length: maxDepth + 1 }, (_, d) => {
      const xs = v.samples.filter((s) => s.depth === d && !s.retaken).map((s) => s.instructions);
      expect(xs, `${v.variant} depth ${d}`).toHaveLength(ARM64_SAMPLES);
      const fewest = Math.min(...(xs as number[]));
      expect(xs.filter((x) => x === fewest).length, `${v.variant} depth ${d}: ${xs.join(', ')}`).toBeGreaterThan(ARM64_SAMPLES / 2);
      expect(Number.isInteger(fewest)).toBe(true);
      return fewest;
    }),
  );
}

/**
 * What a sweep must prove on any backend: a complete stream, `samples` calls at every depth whose retval
 * is the depth (so that many tail calls happened), a direct jump for the constant key and something else
 * for the loaded one (every kernel here is >= 5.5), a filled fingerprint, and the variants interleaved
 * per depth in the very order the reported seed gives (bpf/PROTOCOL.md, "Order").
 */
export function expectSweepProvesJumps(agent: AgentOutput, p: TestRunParams): void {
  expect(agent.complete).toBe(true);
  expect(agent.errors).toEqual([]);
  expect(agent.variants.map((v) => v.variant)).toEqual(p.variants);
  for (const v of agent.variants) {
    for (let depth = 0; depth <= p.maxDepth; depth++) {
      // A re-taken call (switched out, timed again: bpf/PROTOCOL.md "sample") is replaced by the next one.
      const s = v.samples.filter((x) => x.depth === depth && !x.retaken);
      expect(s, `${v.variant} depth ${depth}`).toHaveLength(p.samples);
      for (const x of s) {
        expect(x.retval).toBe(depth);
        expect(x.repeat).toBe(p.repeat);
        expect(x.durationNs).toBeGreaterThan(0);
      }
    }
  }
  expect(agent.variants.find((v) => v.variant === 'direct')?.jit?.mechanism).toBe('direct-jump');
  const indirect = agent.variants.find((v) => v.variant === 'indirect')?.jit?.mechanism;
  expect(indirect).toBeDefined();
  expect(['direct-jump', 'nop', 'unknown']).not.toContain(indirect);
  // The two chains are the same machine code outside the tail-call sequence, on all 34 programs.
  const symmetry = proveSymmetry(
    agent.variants.find((v) => v.variant === 'direct')?.jit,
    agent.variants.find((v) => v.variant === 'indirect')?.jit,
  );
  expect(symmetry, JSON.stringify(symmetry.differences)).toMatchObject({ verdict: 'identical', programs: 34, programsDiffering: 0 });
  expect(agent.fingerprint?.spectreV2).not.toBe('');
  expect(agent.fingerprint?.cpuModel).not.toBe('');
  expect(agent.sweep?.order).toBe('interleaved');
  // Every timed call was checked for switches, and the sweep says how it was isolated.
  for (const v of agent.variants) expect(v.samples.every((x) => x.contaminated !== undefined && x.switches !== undefined)).toBe(true);
  expect(agent.isolation).toBeDefined();
  expect(agent.blocks).toEqual(interleavedOrder(agent.sweep!.seed, p.maxDepth, p.variants, agent.sweep!.loads ?? 1));
}
