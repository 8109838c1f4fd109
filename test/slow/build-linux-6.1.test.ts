// The patched-kernel loop end to end, on a real kernel: build Debian bookworm's linux-source-6.1 with
// the project's fragment (tinyconfig base), boot it under TCG and run the sweep; then apply a one-file
// patch that stops the verifier from recording tail-call poke descriptors, rebuild incrementally in the
// same object directory, and show the `direct` variant turned into an indirect jump that costs like one.
// Slow: a full build takes the better part of an hour on 2 cores (the cache makes later runs quick).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linearFit } from '../../src/analysis/stats.js';
import { fetchKernels } from '../../src/kernels/index.js';
import type { BuiltKernel } from '../../src/kernels/from-source/index.js';
import { matrix } from '../../src/matrix/schema.js';
import type { VariantResult } from '../../src/results/cell-result.js';
import { qemuBackend } from '../../src/vm/qemu.js';
import type { CellEnd } from '../../src/vm/types.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { cellSpec, testPayload } from '../integration/qemu-kernels.js';
import { buildLinux61, linux61Source, NO_POKE_PATCH } from './linux-6.1.js';

/** A cold build competes with whatever else runs on 2 cores; beyond three hours something is wrong. */
const BUILD_TEST_TIMEOUT_MS = 3 * 60 * 60_000;
/** Deep enough that the slope is not just the fixed overhead; small enough for a few TCG boots. */
const SWEEP = { maxDepth: 16, samples: 3, repeat: 2000, variants: ['direct', 'indirect'] as ('direct' | 'indirect')[] };

const workDirs: string[] = [];
afterAll(() => {
  for (const d of workDirs) rmSync(d, { recursive: true, force: true });
});

function describeBuild(label: string, b: BuiltKernel): string {
  return b.cached
    ? `${label}: cache hit ${b.inputsHash.slice(0, 12)}`
    : `${label}: built in ${(b.totalMs / 1000).toFixed(0)} s, make ${((b.compileMs ?? 0) / 1000).toFixed(0)} s, log ${b.logFile}`;
}

async function boot(b: BuiltKernel): Promise<CellEnd> {
  const spec = cellSpec(b.kernel, await testPayload(), { timeoutSec: 900, params: SWEEP });
  workDirs.push(spec.workDir);
  const outcome = await qemuBackend.runCell(spec, { signal: new AbortController().signal, emit: () => undefined });
  console.log(`[boot ${b.kernel.id}] ${outcome.status} in ${outcome.wallMs} ms ${outcome.message ?? ''}`);
  return outcome;
}

/** ns per tail call: OLS slope of the per-depth median duration (docs/measurement.md), for the test's purpose. */
function slope(v: VariantResult): number {
  const depths = [...new Set(v.samples.map((s) => s.depth))].sort((a, b) => a - b);
  const medians = depths.map((d) => {
    const xs = v.samples
      .filter((s) => s.depth === d)
      .map((s) => s.durationNs)
      .sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)] ?? 0;
  });
  const fit = linearFit(depths, medians);
  if (fit === null) throw new Error('no fit');
  return fit.slope;
}

function variant(o: CellEnd, name: 'direct' | 'indirect'): VariantResult {
  const v = o.agent?.variants.find((x) => x.variant === name);
  if (v === undefined) throw new Error(`no ${name} variant in ${JSON.stringify(o.agent?.errors)}`);
  return v;
}

describe('build source: Debian linux-source-6.1, tinyconfig + tailmatrix.config', () => {
  let plain: BuiltKernel | undefined;
  let plainRun: CellEnd | undefined;

  it(
    'builds, passes the config check, publishes bzImage, .config, System.map and modules.builtin',
    async () => {
      const r = await buildLinux61('linux-6.1-build');
      if (!r.ok) throw new Error(typeof r.error === 'string' ? r.error : r.error.message);
      plain = r.value;
      console.log(describeBuild('plain', plain));
      const k = plain.kernel;
      expect(k.release).toMatch(/^6\.1\.\d+$/);
      expect(k.origin).toMatch(/^build:debian bookworm\/linux-source-6\.1 6\.1\.\d+-\d+ \+ tinyconfig$/);
      const config = readFileSync(k.config!, 'utf8');
      for (const opt of [
        'BPF_SYSCALL',
        'BPF_JIT',
        'BPF_JIT_ALWAYS_ON',
        'RETPOLINE',
        'SERIAL_8250_CONSOLE',
        'NET_CLS_BPF',
        'VETH',
        'KALLSYMS_ALL',
        'ACPI',
      ]) {
        expect(config, opt).toMatch(new RegExp(`^CONFIG_${opt}=y$`, 'm'));
      }
      expect(readFileSync(k.systemMap!, 'utf8')).toMatch(/ T __x86_indirect_thunk_r\w+$/m);
      expect(readFileSync(path.join(k.modulesDir!, 'modules.builtin'), 'utf8')).toContain('cls_bpf.ko');
      if (!plain.cached) {
        expect(plain.configCheck?.ok).toBe(true);
        expect(readFileSync(plain.logFile!, 'utf8')).toContain('config check:');
      }
    },
    BUILD_TEST_TIMEOUT_MS,
  );

  it(
    'boots under TCG and runs the sweep: a constant key is a patched direct jump, a loaded key an indirect one',
    async () => {
      if (plain === undefined) throw new Error('the build failed');
      plainRun = await boot(plain);
      expect(plainRun.status, plainRun.consoleTail.join('\n')).toBe('ok');
      expect(plainRun.agent?.fingerprint?.release).toBe(plain.kernel.release);
      expect(variant(plainRun, 'direct').jit?.mechanism).toBe('direct-jump');
      // Which indirect form depends on the spectre_v2 mode the kernel picks for QEMU's CPU model.
      expect(['direct-jump', 'nop', 'unknown', undefined]).not.toContain(variant(plainRun, 'indirect').jit?.mechanism);
      const d = slope(variant(plainRun, 'direct'));
      const i = slope(variant(plainRun, 'indirect'));
      console.log(
        `[plain] JIT: direct ${variant(plainRun, 'direct').jit?.mechanism}, indirect ${variant(plainRun, 'indirect').jit?.mechanism}; spectre_v2 "${plainRun.agent?.fingerprint?.spectreV2}"; ns per tail call under TCG: direct ${d.toFixed(1)}, indirect ${i.toFixed(1)}`,
      );
      expect(i).toBeGreaterThan(d);
    },
    BUILD_TEST_TIMEOUT_MS,
  );

  it(
    'the no-poke patch rebuilds incrementally, and the patched kernel JITs the constant key as an indirect jump',
    async () => {
      if (plain === undefined || plainRun === undefined) throw new Error('the unpatched kernel did not build or run');
      const r = await buildLinux61('linux-6.1-no-poke', [NO_POKE_PATCH]);
      if (!r.ok) throw new Error(typeof r.error === 'string' ? r.error : r.error.message);
      const patched = r.value;
      console.log(describeBuild('patched', patched));
      expect(patched.inputsHash).not.toBe(plain.inputsHash);
      expect(patched.kernel.sha256).not.toBe(plain.kernel.sha256);
      if (!patched.cached && !plain.cached) {
        // Same object directory, one source file changed: minutes, not another full build.
        expect(patched.objDir).toBe(plain.objDir);
        expect(patched.compileMs!).toBeLessThan(plain.compileMs! / 3);
      }
      if (!patched.cached) expect(readFileSync(patched.logFile!, 'utf8')).toMatch(/CC\s+kernel\/bpf\/verifier\.o/);

      const run = await boot(patched);
      expect(run.status, run.consoleTail.join('\n')).toBe('ok');
      const direct = variant(run, 'direct');
      const indirectMechanism = variant(run, 'indirect').jit?.mechanism;
      expect(['direct-jump', 'nop', 'unknown', undefined]).not.toContain(direct.jit?.mechanism);
      expect(direct.jit?.mechanism).toBe(indirectMechanism);
      const d = slope(direct);
      const i = slope(variant(run, 'indirect'));
      const before = slope(variant(plainRun, 'direct'));
      console.log(
        `[patched] JIT: direct ${direct.jit?.mechanism}, indirect ${indirectMechanism}; ns per tail call under TCG: direct ${d.toFixed(1)} (was ${before.toFixed(1)}), indirect ${i.toFixed(1)}`,
      );
      // "Costs like the indirect one": closer to the indirect slope than to its own unpatched value.
      expect(Math.abs(d - i)).toBeLessThan(Math.abs(d - before));
    },
    BUILD_TEST_TIMEOUT_MS,
  );

  it(
    'through the matrix: the build driver pins the inputs in the lockfile and fetch finds the built kernel',
    async () => {
      if (plain === undefined) throw new Error('the build failed');
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tailmatrix-build-matrix-'));
      workDirs.push(dir);
      const m = matrix.parse({
        kernels: [
          {
            id: 'linux-6.1-build',
            source: { ...linux61Source(), fragments: [path.join(PACKAGE_ROOT, 'kernels/configs/tailmatrix.config')] },
          },
        ],
        boots: [{ name: 'default' }],
        benchmarks: [{ name: 'test-run', type: 'test-run' }],
      });
      const res = await fetchKernels({ matrix: m, matrixFile: path.join(dir, 'matrix.json') });
      if (!res.ok) throw new Error(res.error.map((e) => e.message).join('; '));
      expect(res.value.kernels.get('linux-6.1-build')?.sha256).toBe(plain.kernel.sha256);
      const lock = JSON.parse(readFileSync(res.value.lockFile, 'utf8')) as {
        kernels: Record<string, { resolved: { inputsHash: string } }>;
      };
      expect(lock.kernels['linux-6.1-build']?.resolved.inputsHash).toBe(plain.inputsHash);
    },
    BUILD_TEST_TIMEOUT_MS,
  );
});
