// The strategies benchmark end to end under instruction counting (TCG -icount): the real agent
// (--bench strategies) and BPF objects in the project's initramfs, booted on every default Debian kernel
// twice with different seeds. Every supported strategy's figure is a whole number of instructions per
// transfer with every depth exactly on its line, the two boots agree figure for figure, each strategy's
// transfer is proven from its JIT images (src/measure/jit-strategies.ts), and a strategy the kernel lacks
// is `unsupported` with a reason, never an error. It drives the agent directly, below the host side (the
// fit here is the plain least-squares line over the per-depth medians); test/integration/strategies-cli.test.ts
// runs the benchmark through `tailmatrix run`, analysis and reports.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureInitramfs, writeCellInitrd } from '../../src/guest/initramfs.js';
import { fetchKernels } from '../../src/kernels/index.js';
import type { FetchedKernel } from '../../src/kernels/types.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { proveStrategy, referenceBody, type StrategyImage } from '../../src/measure/jit-strategies.js';
import type { ThunkSymbol } from '../../src/measure/jit.js';
import { execCommand } from '../../src/util/exec.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { QEMU_BINARY, qemuArgs } from '../../src/vm/qemu-args.js';
import { ICOUNT_SHIFT } from '../../src/measure/timing.js';
import { testPayload } from './qemu-kernels.js';

const workDirs: string[] = [];
afterAll(() => {
  for (const d of workDirs) rmSync(d, { recursive: true, force: true });
});

let kernels: Map<string, FetchedKernel>;
let ids: string[];
beforeAll(async () => {
  const loaded = await loadMatrix(path.join(PACKAGE_ROOT, 'matrix.json'));
  if (!loaded.ok) throw new Error(loaded.error.join('\n'));
  ids = loaded.value.matrix.kernels.filter((k) => k.source.type !== 'running').map((k) => k.id);
  const res = await fetchKernels({ matrix: loaded.value.matrix, matrixFile: loaded.value.file });
  if (!res.ok) throw new Error(`fetching the default kernels failed: ${res.error.map((e) => e.message).join('; ')}`);
  kernels = res.value.kernels;
}, 600_000);

type Rec = Record<string, unknown>;

/** One boot of `kernel` with the strategies benchmark under -icount: the agent's records. */
async function boot(id: string, seed: number): Promise<Rec[]> {
  const kernel = kernels.get(id)!;
  const work = mkdtempSync(path.join(os.tmpdir(), 'tailmatrix-test-strategies-'));
  workDirs.push(work);
  const image = await ensureInitramfs({ kernel, payload: await testPayload(), modules: [], programs: [] });
  if (!image.ok) throw new Error(image.error);
  const initrd = path.join(work, 'initrd.img');
  const agentOut = path.join(work, 'agent.jsonl');
  const agentArgs = ['--bench', 'strategies', '--max-depth', '32', '--samples', '3', '--repeat', '1', '--seed', String(seed)];
  await writeCellInitrd(image.value.path, { mode: 'agent', agentArgs }, initrd);
  writeFileSync(agentOut, '');
  const args = qemuArgs({
    accel: 'tcg',
    memoryMiB: 512,
    cpus: 1,
    kernel: kernel.vmlinuz,
    initrd,
    cmdline: 'spectre_v2=retpoline,generic',
    agentOut,
    icountShift: ICOUNT_SHIFT,
  });
  const started = Date.now();
  const r = await execCommand(QEMU_BINARY, args, { timeoutMs: 600_000, discardOutput: true });
  // The wall time the benchmark takes per cell (boot to poweroff), for the docs; two boots share the cores.
  console.log(`strategies cell ${id} seed ${seed}: ${((Date.now() - started) / 1000).toFixed(1)} s wall`);
  expect(r.ok, `${id}: ${r.ok ? '' : r.error.message}`).toBe(true);
  return readFileSync(agentOut, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Rec);
}

interface Figure {
  strategy: string;
  depths: number[];
  slope: number;
  intercept: number;
  /** Largest distance of a depth's median from the line, in instructions. */
  offLine: number;
}

/** Per strategy: the median instruction count per depth and the least-squares line through them. */
function figures(recs: Rec[]): Figure[] {
  const by = new Map<string, Map<number, number[]>>();
  for (const r of recs.filter((x) => x.type === 'sample')) {
    const m = by.get(r.strategy as string) ?? new Map<number, number[]>();
    m.set(r.depth as number, [...(m.get(r.depth as number) ?? []), (r.duration_ns as number) / 2 ** ICOUNT_SHIFT]);
    by.set(r.strategy as string, m);
  }
  return [...by.entries()]
    .map(([strategy, m]) => {
      const depths = [...m.keys()].sort((a, b) => a - b);
      const ys = depths.map((d) => Math.round(m.get(d)!.sort((a, b) => a - b)[1]!));
      const n = depths.length;
      const mx = depths.reduce((a, b) => a + b, 0) / n;
      const my = ys.reduce((a, b) => a + b, 0) / n;
      const slope = depths.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / depths.reduce((s, x) => s + (x - mx) ** 2, 0);
      const intercept = my - slope * mx;
      const offLine = Math.max(...depths.map((x, i) => Math.abs(ys[i]! - intercept - slope * x)));
      return { strategy, depths, slope, intercept, offLine };
    })
    .sort((a, b) => a.strategy.localeCompare(b.strategy));
}

function images(recs: Rec[], strategy: string): StrategyImage[] {
  return recs
    .filter((r) => r.type === 'jit' && r.strategy === strategy)
    .map((r) => ({
      prog: r.prog as number,
      name: r.name as string,
      address: r.addr as string,
      hex: r.hex as string,
      ...(r.funcs ? { funcs: (r.funcs as Array<{ addr: string; len: number }>).map((f) => ({ address: f.addr, length: f.len })) } : {}),
      ...(typeof r.next_filled === 'boolean' ? { nextFilled: r.next_filled } : {}),
    }));
}

const EXPECTED_PROOF: Record<string, string> = {
  'tailcall-const': 'direct-jump',
  'tailcall-dynamic': 'retpoline-thunk',
  'call-static': 'subprog-call',
  'call-global': 'subprog-call',
  'tailcall-subprog': 'subprog-call+direct-jump',
  loop: 'loop-call',
};

describe('the strategies benchmark under instruction counting (default kernels, spectre_v2=retpoline)', () => {
  it('gives every supported strategy an exact whole-number figure per transfer, the same in two boots, each transfer proven', async () => {
    const runs = new Map<string, [Rec[], Rec[]]>();
    // Two boots at a time: the machine's cores (-icount figures do not mind neighbours).
    for (const id of ids) runs.set(id, (await Promise.all([boot(id, 7), boot(id, 11)])) as [Rec[], Rec[]]);

    for (const [id, [a, b]] of runs) {
      for (const recs of [a, b]) {
        expect(
          recs.filter((r) => r.type === 'error'),
          id,
        ).toEqual([]);
        expect(recs.at(-1), id).toMatchObject({ type: 'end', status: 'ok' });
      }
      const status = new Map(a.filter((r) => r.type === 'strategy').map((r) => [r.strategy as string, r]));
      // gotox is unsupported on every default kernel, with a reason (before 6.19, or the agent cannot build it).
      expect(status.get('gotox'), id).toMatchObject({ status: 'unsupported' });
      expect(String(status.get('gotox')!.reason), id).toMatch(/gotox/);
      const release = String(a.find((r) => r.type === 'fingerprint')!.release);
      const [major, minor] = release.split('.').map(Number) as [number, number];
      const hasLoop = major > 5 || (major === 5 && minor >= 17);
      expect(status.get('loop')?.status, `${id} loop`).toBe(hasLoop ? 'ready' : 'unsupported');
      if (!hasLoop) expect(String(status.get('loop')!.reason)).toMatch(/^the verifier refused it: ./);

      const [fa, fb] = [figures(a), figures(b)];
      // Two boots with different depth orders: the same figures, to the instruction.
      expect(fa, id).toEqual(fb);
      const ready = [...status.values()]
        .filter((r) => r.status === 'ready')
        .map((r) => r.strategy as string)
        .sort();
      expect(
        fa.map((f) => f.strategy),
        id,
      ).toEqual(ready);
      for (const f of fa) {
        const max = f.strategy.startsWith('call-') ? 7 : 32;
        expect(f.depths, `${id} ${f.strategy}`).toEqual(Array.from({ length: max + 1 }, (_, d) => d));
        expect(status.get(f.strategy)!.max_depth, `${id} ${f.strategy}`).toBe(max);
        // Every depth exactly on the line, and a whole number of instructions per transfer.
        expect(f.offLine, `${id} ${f.strategy}`).toBeLessThan(1e-9);
        expect(Math.abs(f.slope - Math.round(f.slope)), `${id} ${f.strategy} slope ${f.slope}`).toBeLessThan(1e-9);
        expect(f.slope, `${id} ${f.strategy}`).toBeGreaterThan(6);
      }

      const thunks = (a.find((r) => r.type === 'thunks')!.symbols as Array<{ name: string; addr: string; size: number }>).map(
        (t): ThunkSymbol => ({ name: t.name, address: t.addr, size: t.size }),
      );
      const ref = referenceBody(images(a, 'tailcall-const'));
      for (const strategy of ready) {
        const p = proveStrategy(images(a, strategy), thunks, ref);
        expect(p.mechanism, `${id} ${strategy}`).toBe(EXPECTED_PROOF[strategy]);
        expect(p.bodyDifferences, `${id} ${strategy}`).toEqual([]);
      }
      // A bpf-to-bpf call costs the same whether the callee is static or global (the same call rel32).
      const slope = (s: string) => fa.find((f) => f.strategy === s)!.slope;
      expect(slope('call-static'), id).toBe(slope('call-global'));
      // The dynamic key adds the indirect sequence and the thunk to the constant key's jump.
      expect(slope('tailcall-dynamic'), id).toBeGreaterThan(slope('tailcall-const'));
    }
  }, 1_800_000);
});
