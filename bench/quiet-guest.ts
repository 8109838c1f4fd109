// Measurement behind the guest's quiet wait (images/init) and the sweep's isolation (bpf/isolation.c):
// the sid cloud kernel (7.x, PREEMPT_LAZY) under TCG with instruction counting, a long timed window
// (repeat 20000) right after boot, every call kept (--retakes 0), so each sample says whether the
// agent was switched out in it. Boots, one after the other:
//   no-wait:           no quiet wait, agent isolated (pinned, SCHED_FIFO)
//   no-wait+notests:   the same with cryptomgr.notests on the kernel command line
//   no-wait+unisolated: no quiet wait, agent neither pinned nor prioritised (--no-isolate)
//   notests+unisolated: the same with cryptomgr.notests
//   wait+unisolated:   the init's quiet wait (the default), agent not isolated
//   wait:              the default: quiet wait and isolation
// and prints per boot the init's run-queue banners and the switched-out calls.
//
//   npx tsx bench/quiet-guest.ts [--max-depth 16] [--samples 5] [--repeat 20000] [--only name,name] [--keep DIR]
// (--keep DIR: copy each boot's agent stream to DIR/<boot>.jsonl)
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePayload } from '../src/guest/payload.js';
import { ensureInitramfs, writeCellInitrd } from '../src/guest/initramfs.js';
import { fetchKernels } from '../src/kernels/index.js';
import { loadMatrix } from '../src/matrix/load.js';
import { parseAgentOutput } from '../src/measure/agent-output.js';
import type { VariantResult } from '../src/results/cell-result.js';
import { countContamination, sumContamination } from '../src/results/contamination.js';
import { execCommand } from '../src/util/exec.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';
import { QEMU_BINARY, qemuArgs } from '../src/vm/qemu-args.js';
import { ICOUNT_SHIFT } from '../src/measure/timing.js';

const { values } = parseArgs({
  options: {
    'max-depth': { type: 'string', default: '16' },
    samples: { type: 'string', default: '5' },
    repeat: { type: 'string', default: '20000' },
    only: { type: 'string' },
    keep: { type: 'string' },
  },
});

const BOOTS = [
  { name: 'no-wait', cmdline: 'tailmatrix.quiet=0', isolate: true },
  { name: 'no-wait+notests', cmdline: 'tailmatrix.quiet=0 cryptomgr.notests', isolate: true },
  { name: 'no-wait+unisolated', cmdline: 'tailmatrix.quiet=0', isolate: false },
  { name: 'notests+unisolated', cmdline: 'tailmatrix.quiet=0 cryptomgr.notests', isolate: false },
  { name: 'wait+unisolated', cmdline: '', isolate: false },
  { name: 'wait', cmdline: '', isolate: true },
];
const only = values.only?.split(',');

const pct = (x: number | undefined) => (x === undefined ? '-' : `${(100 * x).toFixed(2)} %`);
const middle = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? undefined : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** How much longer each switched-out call timed than the clean calls of its variant and depth (median), as a share. */
function excess(variants: readonly VariantResult[]): { median?: number; max?: number } {
  const shares: number[] = [];
  for (const v of variants) {
    for (const s of v.samples.filter((x) => x.contaminated)) {
      const clean = middle(v.samples.filter((x) => x.depth === s.depth && !x.contaminated).map((x) => x.durationNs));
      if (clean) shares.push(s.durationNs / clean - 1);
    }
  }
  return { median: middle(shares), max: shares.length ? Math.max(...shares) : undefined };
}

const loaded = await loadMatrix(path.join(PACKAGE_ROOT, 'matrix.json'));
if (!loaded.ok) throw new Error(loaded.error.join('\n'));
const fetched = await fetchKernels({ matrix: loaded.value.matrix, matrixFile: loaded.value.file });
if (!fetched.ok) throw new Error(fetched.error.map((e) => e.message).join('; '));
const kernel = fetched.value.kernels.get('sid-cloud');
if (!kernel) throw new Error('matrix.json has no sid-cloud kernel');
const payload = await ensurePayload();
if (!payload.ok) throw new Error(payload.error);
const image = await ensureInitramfs({ kernel, payload: payload.value, modules: [] });
if (!image.ok) throw new Error(image.error);

const dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-bench-quiet-'));
console.log(
  `sid-cloud (${kernel.release ?? '?'}), TCG -icount shift=${ICOUNT_SHIFT}, 1 vCPU; depths 0..${values['max-depth']}, ${values.samples} samples, repeat ${values.repeat}, --retakes 0; host ${os.cpus()[0]?.model} load ${os.loadavg()[0]!.toFixed(1)}`,
);
try {
  for (const b of BOOTS.filter((x) => !only || only.includes(x.name))) {
    const initrd = path.join(dir, `${b.name}.img`);
    const out = path.join(dir, `${b.name}.jsonl`);
    const agentArgs = [
      '--max-depth',
      values['max-depth']!,
      '--samples',
      values.samples!,
      '--repeat',
      values.repeat!,
      '--retakes',
      '0',
      ...(b.isolate ? [] : ['--no-isolate']),
    ];
    await writeCellInitrd(image.value.path, { mode: 'agent', agentArgs }, initrd);
    const args = qemuArgs({
      accel: 'tcg',
      memoryMiB: 512,
      cpus: 1,
      kernel: kernel.vmlinuz,
      initrd,
      cmdline: b.cmdline,
      agentOut: out,
      icountShift: ICOUNT_SHIFT,
    });
    const started = Date.now();
    const res = await execCommand(QEMU_BINARY, args, { timeoutMs: 1_800_000 });
    const wall = ((Date.now() - started) / 1000).toFixed(0);
    if (!res.ok) {
      console.log(`${b.name}: qemu failed: ${res.error.message}`);
      continue;
    }
    const banners = res.value.stdout
      .split('\n')
      .filter((l) => /tailmatrix-init: (runnable|quiet|not-quiet|agent-start)/.test(l))
      .map((l) => l.replace(/.*tailmatrix-init: /, '').trim());
    const agent = parseAgentOutput(await readFile(out, 'utf8'));
    if (values.keep) await mkdir(values.keep, { recursive: true }).then(() => copyFile(out, path.join(values.keep!, `${b.name}.jsonl`)));
    const samples = agent.variants.flatMap((v) => v.samples);
    const counts = sumContamination(agent.variants.map((v) => countContamination(v.samples)));
    const invol = samples.reduce((a, s) => a + (s.switches?.involuntary ?? 0), 0);
    const vol = samples.reduce((a, s) => a + (s.switches?.voluntary ?? 0), 0);
    const worst = Math.max(0, ...samples.map((s) => s.switches?.involuntary ?? 0));
    const inflation = excess(agent.variants);
    const contaminatedDepths = [...new Set(samples.filter((s) => s.contaminated).map((s) => s.depth))].sort((a, c) => a - c);
    console.log(
      `${b.name.padEnd(20)} ${wall.padStart(4)} s  [${banners.join('; ')}]  isolation ${agent.isolation ? `${agent.isolation.policy}/${agent.isolation.pinned ? 'pinned' : 'unpinned'}` : '?'}  ` +
        `switched-out calls ${counts?.contaminated ?? '?'}/${counts?.checked ?? '?'} (involuntary ${invol}, voluntary ${vol}, most in one call ${worst}; depths ${contaminatedDepths.join(',') || '-'}); ` +
        `their excess over the clean median at their depth: median ${pct(inflation.median)}, max ${pct(inflation.max)}${agent.complete ? '' : ' INCOMPLETE'}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
