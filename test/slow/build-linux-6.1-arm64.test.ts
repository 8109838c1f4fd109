// An arm64 kernel cross-compiled from source: Debian bookworm's linux-source-6.1 (the source tree the x86
// slow tests build, test/slow/linux-6.1.ts) with ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- on tinyconfig +
// tailmatrix.config + kernels/configs/arm64.config (PL011 console, virtio-mmio), in its own object directory.
// It boots under qemu-system-aarch64 -machine virt with instruction counting; both variants run the arm64 JIT's
// one tail call (proven from the images), and the figures are exact whole numbers, the same in two boots.
// `tailmatrix build --arch arm64` then finds the same kernel in the cache (the arch is part of its key).
// Slow: the cold cross build is the better part of its cost (about as long as the x86 one).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromAgentStream } from '../../src/cells/assemble.js';
import { ensurePayload } from '../../src/guest/payload.js';
import type { BuiltKernel } from '../../src/kernels/from-source/index.js';
import { imageFormat } from '../../src/kernels/image-format.js';
import { ICOUNT_SHIFT } from '../../src/measure/timing.js';
import { bootArm64TestRun, exactCountsPerDepth } from '../integration/qemu-kernels.js';
import { startCli } from '../support/run-cli.js';
import { buildLinux61 } from './linux-6.1.js';

const BUILD_TEST_TIMEOUT_MS = 3 * 60 * 60_000;
const MAX_DEPTH = 4;

describe('build source: Debian linux-source-6.1 cross-compiled for arm64', () => {
  let built: BuiltKernel | undefined;

  it(
    'builds with ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-, passes the config check, publishes an arm64 Image',
    async () => {
      const r = await buildLinux61('linux-6.1-arm64', [], undefined, undefined, 'arm64');
      if (!r.ok) throw new Error(typeof r.error === 'string' ? r.error : r.error.message);
      built = r.value;
      console.log(
        built.cached
          ? `[arm64 build] cache hit ${built.inputsHash.slice(0, 12)}`
          : `[arm64 build] built in ${(built.totalMs / 1000).toFixed(0)} s, make ${((built.compileMs ?? 0) / 1000).toFixed(0)} s, log ${built.logFile}`,
      );
      const k = built.kernel;
      expect(k.arch).toBe('arm64');
      expect(k.release).toMatch(/^6\.1\.\d+$/);
      const format = await imageFormat(k.vmlinuz, 'arm64');
      expect(format.ok && format.value.description).toMatch(/^arm64 Image, little-endian/);
      expect((await imageFormat(k.vmlinuz, 'amd64')).ok).toBe(false);
      const config = readFileSync(k.config!, 'utf8');
      for (const opt of [
        'ARM64',
        'BPF_JIT',
        'BPF_JIT_ALWAYS_ON',
        'KALLSYMS_ALL',
        'SERIAL_AMBA_PL011_CONSOLE',
        'VIRTIO_MMIO',
        'VIRTIO_CONSOLE',
        'NET_CLS_BPF',
      ])
        expect(config, opt).toMatch(new RegExp(`^CONFIG_${opt}=y$`, 'm'));
      expect(config).not.toMatch(/^CONFIG_X86/m);
      if (!built.cached) {
        expect(built.configCheck?.ok).toBe(true);
        expect(built.objDir).toMatch(/-arm64$/);
        expect(readFileSync(built.logFile!, 'utf8')).toMatch(
          / ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- .*CC=(ccache )?aarch64-linux-gnu-gcc/,
        );
      }
    },
    BUILD_TEST_TIMEOUT_MS,
  );

  it(
    'boots under qemu-system-aarch64 -icount twice: the arm64 tail call in both variants, exact counts',
    async () => {
      if (built === undefined) throw new Error('the build failed');
      const kernel = built.kernel;
      const payload = await ensurePayload({ arch: 'arm64' });
      if (!payload.ok) throw new Error(payload.error);
      const boot = async (seed: number): Promise<number[][]> => {
        const outcome = await bootArm64TestRun({
          label: 'arm64 build boot',
          kernel,
          payload: payload.value,
          maxDepth: MAX_DEPTH,
          seed,
          timeoutSec: 900,
        });
        const agent = outcome.agent!;
        expect(agent.errors).toEqual([]);
        expect(agent.fingerprint?.release).toBe(kernel.release);
        expect(agent.fingerprint?.cmdline).toContain('console=ttyAMA0');
        const derived = fromAgentStream(agent, ICOUNT_SHIFT);
        for (const v of derived.variants) expect(v.jit?.mechanism, v.variant).toBe('arm64-br');
        expect(derived.jitSymmetry?.verdict).toBe('identical');
        return exactCountsPerDepth(derived.variants, MAX_DEPTH);
      };
      const runs = [await boot(1), await boot(2)];
      console.log(
        `[arm64 build] instructions per depth 0..${MAX_DEPTH} (direct; indirect): ${runs.map((r) => r.map((c) => c.join(' ')).join('; ')).join(' | ')}`,
      );
      const depth0 = new Set(runs.flat().map((c) => c[0]));
      expect(depth0.size, [...depth0].join(', ')).toBe(1);
      // One step per tail call in each variant; between variants and boots at most the one-instruction
      // spread of the program array's address build (docs/measurement.md, its arm64 section).
      const steps = runs.flat().map((c) => {
        const s = new Set(c.slice(1).map((x, d) => x - c[d]!));
        expect(s.size, [...s].join(', ')).toBe(1);
        return [...s][0]!;
      });
      expect(Math.max(...steps) - Math.min(...steps), steps.join(', ')).toBeLessThanOrEqual(1);
      expect(Math.min(...steps)).toBeGreaterThan(0);
    },
    BUILD_TEST_TIMEOUT_MS,
  );

  it(
    '`tailmatrix build --arch arm64` finds that kernel in the cache and prints its Image',
    async () => {
      if (built === undefined) throw new Error('the build failed');
      const res = await startCli(['build', '--debian-source', 'bookworm/linux-source-6.1', '--arch', 'arm64', '--make-jobs', '2', '-q']);
      expect(res.exitCode, res.all).toBe(0);
      expect(res.stdout.trim()).toBe(`${built.kernel.release}\t${built.kernel.vmlinuz}`);
    },
    BUILD_TEST_TIMEOUT_MS,
  );
});
