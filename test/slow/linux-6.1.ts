// The kernel the slow build test compiles: Debian bookworm's linux-source-6.1 with the project's own
// fragment on tinyconfig, optionally with the test patch. Shared with scripts that pre-build it, so the
// test finds the same inputs hash (and so the same cache entry).
import path from 'node:path';
import type { Arch } from '../../src/arch/index.js';
import { buildFromSource, type BuildEvent, type BuiltKernel } from '../../src/kernels/from-source/index.js';
import type { SourceFailure } from '../../src/kernels/source.js';
import { buildSource, type BuildSource } from '../../src/matrix/schema.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import type { Result } from '../../src/util/result.js';

export const NO_POKE_PATCH = path.join(PACKAGE_ROOT, 'test/fixtures/patches/no-tail-call-poke.patch');
/** One extra `nop` on both JIT tail-call paths: +1 executed instruction per tail call (the exact gate's test). */
export const ONE_MORE_INSN_PATCH = path.join(PACKAGE_ROOT, 'test/fixtures/patches/one-more-tail-call-insn.patch');

/** The built-kernel states: the base with one setting changed by a fragment in kernels/configs/variants/. */
export const LINUX61_VARIANTS = ['no-jit', 'no-kallsyms', 'no-retpoline'] as const;
export type Linux61Variant = (typeof LINUX61_VARIANTS)[number];

export function linux61Source(patches: readonly string[] = [], variant?: Linux61Variant): BuildSource {
  return buildSource.parse({
    type: 'build',
    debianSource: { suite: 'bookworm', package: 'linux-source-6.1' },
    patches,
    base: 'tinyconfig',
    fragments: ['kernels/configs/tailmatrix.config', ...(variant !== undefined ? [`kernels/configs/variants/${variant}.config`] : [])],
  });
}

/** One line per phase and every 200th make line: enough to follow a 30-minute build in a log. */
export function printEvents(label: string): (e: BuildEvent) => void {
  let lines = 0;
  const t0 = Date.now();
  const at = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;
  return (e) => {
    if (e.type === 'phase') console.log(`[${label} ${at()}] ${e.phase}${e.detail ? ` (${e.detail})` : ''}`);
    else if (e.type === 'line' && ++lines % 200 === 0) console.log(`[${label} ${at()}] ${lines} lines, ${e.line.trim()}`);
  };
}

/**
 * TAILMATRIX_BUILD_JOBS overrides make -j (default: the cores available). `arch` arm64 cross-compiles the
 * same source tree (its own object directory; kernels/configs/arm64.config added last).
 */
export function buildLinux61(
  label: string,
  patches: readonly string[] = [],
  signal?: AbortSignal,
  variant?: Linux61Variant,
  arch: Arch = 'amd64',
): Promise<Result<BuiltKernel, SourceFailure>> {
  const jobs = Number(process.env.TAILMATRIX_BUILD_JOBS) || undefined;
  return buildFromSource({
    id: label,
    arch,
    source: linux61Source(patches, variant),
    baseDir: PACKAGE_ROOT,
    signal,
    jobs,
    onEvent: printEvents(label),
  });
}
