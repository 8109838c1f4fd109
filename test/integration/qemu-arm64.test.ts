// An arm64 cell for real: Debian bookworm's cloud-arm64 kernel through the signed index (arch arm64),
// booted by qemu-system-aarch64 -machine virt under TCG with instruction counting, the static aarch64 agent
// cross-built from bpf/, the arm64 busybox (scripts/setup.sh --with-arm64). Both variants run the arm64
// JIT's one tail call (bounds check, counter, load, br), proven from the images, and every sample is an
// exact whole number of instructions, the same in every sample of a depth and the same step per tail call,
// on bookworm's 6.1 and trixie's 6.12 (the counter behind a pointer), in two boots.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensurePayload } from '../../src/guest/payload.js';
import { fetchKernels } from '../../src/kernels/index.js';
import { matrix } from '../../src/matrix/schema.js';
import { ICOUNT_SHIFT } from '../../src/measure/timing.js';
import { fromAgentStream } from '../../src/cells/assemble.js';
import type { CellEvent } from '../../src/vm/types.js';
import { bootArm64TestRun, exactCountsPerDepth } from './qemu-kernels.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'tailmatrix-test-arm64-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const MAX_DEPTH = 6;

const KERNELS = [
  // bookworm's cloud kernel has virtio_console as a module (the initramfs inserts it); trixie's builds it in.
  { id: '6.1-cloud-arm64', suite: 'bookworm', consoleModule: true },
  { id: '6.12-cloud-arm64', suite: 'trixie', consoleModule: false },
] as const;

describe('arm64 cells under qemu-system-aarch64 (TCG, -icount)', () => {
  it.each(KERNELS)(
    '$id: boots Debian $suite cloud-arm64 twice (two seeds), proves the arm64 tail call in both variants, with exact counts in both',
    async ({ id, suite, consoleModule }) => {
      const m = matrix.parse({
        kernels: [{ id, arch: 'arm64', source: { type: 'debian', suite, package: 'linux-image-cloud-arm64' } }],
        boots: [{ name: 'default' }],
        benchmarks: [{ name: 'test-run', type: 'test-run' }],
      });
      const fetched = await fetchKernels({ matrix: m, matrixFile: path.join(scratch, `${id}.json`) });
      expect(fetched.ok, fetched.ok ? '' : fetched.error.map((e) => e.message).join('; ')).toBe(true);
      if (!fetched.ok) return;
      const kernel = fetched.value.kernels.get(id)!;
      expect(kernel.arch).toBe('arm64');
      expect(kernel.release).toMatch(/-cloud-arm64$/);
      const payload = await ensurePayload({ arch: 'arm64' });
      expect(payload.ok, payload.ok ? '' : payload.error).toBe(true);
      if (!payload.ok) return;

      const boot = async (seed: number): Promise<number[][]> => {
        const events: CellEvent[] = [];
        const outcome = await bootArm64TestRun({
          label: `qemu arm64 ${kernel.release}`,
          kernel,
          payload: payload.value,
          maxDepth: MAX_DEPTH,
          seed,
          timeoutSec: 600,
          emit: (e) => events.push(e),
        });
        expect(events.some((e) => e.type === 'console' && e.line.includes('tailmatrix-init: insmod virtio_console.ko'))).toBe(
          consoleModule,
        );

        const agent = outcome.agent!;
        expect(agent.complete).toBe(true);
        expect(agent.errors).toEqual([]);
        expect(agent.fingerprint?.release).toBe(kernel.release);
        expect(agent.fingerprint?.cmdline).toContain('console=ttyAMA0');
        const derived = fromAgentStream(agent, ICOUNT_SHIFT);
        for (const v of derived.variants) {
          expect(v.jit?.mechanism, v.variant).toBe('arm64-br');
          expect(v.jit?.sites, v.variant).toHaveLength(34);
        }
        expect(derived.jitSymmetry, JSON.stringify(derived.jitSymmetry?.differences.slice(0, 12))).toMatchObject({
          verdict: 'identical',
          programs: 34,
          programsDiffering: 0,
        });

        // Exact: every sample of a depth the same whole number, in both variants.
        return exactCountsPerDepth(derived.variants, MAX_DEPTH);
      };

      // Per boot: every depth exact, the same step per tail call at every depth in each variant. Between
      // variants and boots the step may differ by one instruction, never more: each hop rebuilds the
      // program array's address with movz + a movk per 16-bit chunk that is not zero, so an array whose
      // address has a zero chunk costs one instruction less (see docs/measurement.md, its arm64 section).
      // Seen in 2 of about 12 boots here; the proof treats both lengths as one instruction.
      const stepsOf = (counts: number[][]) =>
        counts.map((c) => {
          const steps = new Set(c.slice(1).map((x, d) => x - c[d]!));
          expect(steps.size, `steps ${[...steps].join(', ')}`).toBe(1);
          return [...steps][0]!;
        });
      const first = stepsOf(await boot(1));
      // Another seed orders depths and variants differently.
      const second = stepsOf(await boot(2));
      const all = [...first, ...second];
      expect(Math.max(...all) - Math.min(...all), `steps per tail call: ${all.join(', ')}`).toBeLessThanOrEqual(1);
      console.log(`[qemu arm64 ${kernel.release}] per tail call (direct, indirect): ${first.join(', ')}; second boot ${second.join(', ')}`);
    },
  );
});
