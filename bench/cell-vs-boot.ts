// Benchmark: wall time of one cell per backend, next to its baseline, a bare
// `qemu-system-x86_64 -kernel … -initrd <busybox>` boot to poweroff of the same kernel, in one run.
//
//   npx tsx bench/cell-vs-boot.ts [--kernel ID …] [--backend qemu,vng] [--repeat N] [-m matrix.json]
//
// The cell uses the matrix's first benchmark and first boot configuration as they are (the real
// sweep), so the difference to the bare boot is what the measurement itself costs.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadMatrix } from '../src/matrix/load.js';
import { fetchKernels } from '../src/kernels/index.js';
import type { FetchedKernel } from '../src/kernels/types.js';
import { ensurePayload } from '../src/guest/payload.js';
import { getBackend } from '../src/vm/backend.js';
import { cellRunSpec } from '../src/cells/cell-spec.js';
import type { GuestPayload } from '../src/guest/payload.js';
import { bareBoot } from './bare-boot.js';

const { values } = parseArgs({
  options: {
    matrix: { type: 'string', short: 'm', default: 'matrix.json' },
    kernel: { type: 'string', multiple: true, default: ['5.10-cloud', 'sid-cloud'] },
    backend: { type: 'string', default: 'qemu,vng' },
    repeat: { type: 'string', default: '1' },
  },
});

const loaded = await loadMatrix(values.matrix);
if (!loaded.ok) throw new Error(loaded.error.join('\n'));
const { matrix, file } = loaded.value;
const fetched = await fetchKernels({ matrix, matrixFile: file, kernelIds: values.kernel });
if (!fetched.ok) throw new Error(fetched.error.map((e) => e.message).join('\n'));
const payload = await ensurePayload();
if (!payload.ok) throw new Error(payload.error);

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function cell(kernel: FetchedKernel, backendName: 'qemu' | 'vng', pl: GuestPayload): Promise<string> {
  const backend = await getBackend(backendName);
  if (!backend.ok) return `unavailable (${backend.error})`;
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-bench-'));
  try {
    const started = Date.now();
    const outcome = await backend.value.runCell(
      cellRunSpec({
        cellId: `bench-${kernel.id}`,
        kernel,
        boot: matrix.boots[0]!,
        benchmark: matrix.benchmarks[0]!,
        runner: matrix.runner,
        accel: 'tcg',
        // Plain TCG: what this benchmark has always compared (bench/timing-modes.ts compares the modes).
        timing: { mode: 'timed' },
        payload: pl,
        workDir,
      }),
      { signal: new AbortController().signal, emit: () => undefined },
    );
    const wall = Date.now() - started;
    return outcome.status === 'ok' ? secs(wall) : `${outcome.status} after ${secs(wall)}`;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

const backends = values.backend.split(',') as ('qemu' | 'vng')[];
const bench = matrix.benchmarks[0]!;
console.log(
  `TCG on ${os.cpus()[0]?.model ?? '?'} (${os.availableParallelism()} cores); cell = ${bench.name} ${JSON.stringify(bench.params)}, boot "${matrix.boots[0]!.name}"`,
);
console.log(`| kernel | bare boot to poweroff (baseline) | ${backends.map((b) => `${b} cell`).join(' | ')} |`);
console.log(`| --- | ---: | ${backends.map(() => '---:').join(' | ')} |`);
for (let i = 0; i < Number(values.repeat); i += 1) {
  for (const id of values.kernel) {
    const kernel = fetched.value.kernels.get(id)!;
    const bare = await bareBoot(kernel, { memoryMiB: matrix.runner.memoryMiB, timeoutMs: 120_000 });
    const cells: string[] = [];
    for (const b of backends) cells.push(await cell(kernel, b, payload.value));
    console.log(`| ${id} | ${secs(bare)} | ${cells.join(' | ')} |`);
  }
}
