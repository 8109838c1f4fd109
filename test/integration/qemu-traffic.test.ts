// Benchmark 2 in real boots: the oldest and newest default Debian cloud kernels (5.10 and sid) under TCG
// with instruction counting, the traffic modules insmod'ed by /init, Debian's iperf3 and its libraries in
// the image, the real agent pushing UDP at a fixed rate through the chains on tc ingress. What must hold:
// packets flow (bpf_stats' run_cnt > 0 and within a few % of what iperf3 sent), the chain's return value
// seen under traffic is the depth, the cost rises with depth for both methods, and a direct tail call
// costs fewer instructions than an indirect one. And a kernel without veth → bench-failed naming it.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { linearFit } from '../../src/analysis/stats.js';
import { ensureInitramfs, writeCellInitrd } from '../../src/guest/initramfs.js';
import { TRAFFIC_MODULES, trafficPrograms } from '../../src/guest/traffic-needs.js';
import { parseAgentOutput } from '../../src/measure/agent-output.js';
import type { AgentOutput } from '../../src/measure/agent-output.types.js';
import type { FetchedKernel } from '../../src/kernels/types.js';
import { benchmark } from '../../src/matrix/schema.js';
import type { TrafficSample } from '../../src/results/traffic-result.js';
import { execCommand } from '../../src/util/exec.js';
import { ConsoleWatcher } from '../../src/vm/console.js';
import { classifyCell } from '../../src/vm/cell-status.js';
import { resolveBenchmark } from '../../src/benchmarks/registry.js';
import { qemuArgs } from '../../src/vm/qemu-args.js';
import { ICOUNT_SHIFT } from '../../src/measure/timing.js';
import { trafficAgentArgs, type TrafficAgentParams } from '../../src/vm/traffic-agent-args.js';
import { cellSpec, testKernel, testPayload } from './qemu-kernels.js';
import { expectPacketsThroughChain } from '../support/traffic-windows.js';

/** Depths clear of the tc verdicts 2, 4, 7, 8 (bpf/PROTOCOL.md, "Depths"), spread for a slope. */
const PARAMS: TrafficAgentParams = {
  depths: [0, 12, 16, 24, 32],
  durationMs: 1000,
  protocol: 'udp',
  udpRate: 2000,
  udpLen: 64,
  variants: ['direct', 'indirect'],
};
/** One cell (boot, 10 one-second windows, poweroff) took ~1.5 min under TCG at load ~5; room for a busier box. */
const CELL_TIMEOUT_MS = 480_000;

interface Boot {
  agent: AgentOutput;
  watcher: ConsoleWatcher;
  exitOk: boolean;
  wallMs: number;
}

async function bootTraffic(kernel: FetchedKernel, modules: readonly string[], params: TrafficAgentParams): Promise<Boot> {
  const programs = await trafficPrograms();
  if (!programs.ok) throw new Error(programs.error);
  const payload = await testPayload();
  const image = await ensureInitramfs({ kernel, payload, modules, programs: programs.value });
  if (!image.ok) throw new Error(image.error);
  const spec = cellSpec(kernel, payload);
  const initrd = path.join(spec.workDir, 'initrd.img');
  const agentOut = path.join(spec.workDir, 'agent.jsonl');
  await writeCellInitrd(image.value.path, { mode: 'agent', agentArgs: trafficAgentArgs(params) }, initrd);
  await writeFile(agentOut, '');
  const watcher = new ConsoleWatcher(500);
  const started = Date.now();
  const res = await execCommand(
    'qemu-system-x86_64',
    qemuArgs({ accel: 'tcg', memoryMiB: 512, cpus: 1, kernel: kernel.vmlinuz, initrd, agentOut, icountShift: ICOUNT_SHIFT }),
    {
      timeoutMs: CELL_TIMEOUT_MS,
      onLine: (l) => watcher.push(l),
    },
  );
  return { agent: parseAgentOutput(await readFile(agentOut, 'utf8')), watcher, exitOk: res.ok, wallMs: Date.now() - started };
}

/** Guest ns per packet → instructions (-icount: 2^shift ns per instruction). */
const instructions = (ns: number) => ns / 2 ** ICOUNT_SHIFT;
const perPacket = {
  'bpf-stats': (s: TrafficSample) => instructions(s.bpfStats!.runTimeNs / s.bpfStats!.runCnt),
  kprobe: (s: TrafficSample) => instructions(s.kprobe!.totalNs / s.kprobe!.count),
};

function slope(samples: readonly TrafficSample[], figure: (s: TrafficSample) => number): number {
  const fit = linearFit(
    samples.map((s) => s.depth),
    samples.map(figure),
  );
  if (!fit) throw new Error('no fit');
  return fit.slope;
}

describe.each([
  ['oldest', 'kretprobe:cls_bpf_classify'],
  ['newest', 'fexit:cls_bpf_classify'],
] as const)('traffic benchmark, %s kernel, instruction counting', (which, probe) => {
  it('packets flow through the chain at every depth, the cost per tail call is positive and direct < indirect', async () => {
    const boot = await bootTraffic(await testKernel(which), TRAFFIC_MODULES, PARAMS);
    const { agent } = boot;
    console.log(
      `traffic cell ${which}: ${Math.round(boot.wallMs / 1000)} s wall (boot to poweroff, ${PARAMS.depths.length} depths × 2 variants × ${PARAMS.durationMs} ms)`,
    );
    expect(boot.exitOk, boot.watcher.tail().join('\n')).toBe(true);
    expect(boot.watcher.state.insmodFailed).toEqual([]);
    expect(agent.complete).toBe(true);
    expect(agent.errors).toEqual([]);
    expect(agent.variants.map((v) => v.variant)).toEqual(['direct', 'indirect']);
    expect(agent.variants.map((v) => v.jit?.mechanism)).toEqual(['direct-jump', 'retpoline-thunk']);

    const slopes: Record<string, Record<string, number>> = {};
    for (const v of agent.variants) {
      const samples = v.traffic ?? [];
      expectPacketsThroughChain(v.variant, samples, PARAMS.depths);
      for (const s of samples) {
        expect(s.chainDepthSeenVia).toBe('fexit');
        expect(s.kprobe?.attach).toBe(probe);
        expect(Math.abs(s.kprobe!.count - s.bpfStats!.runCnt) / s.bpfStats!.runCnt).toBeLessThan(0.03);
        // Sub-windows on the guest clock too, both methods', adding up to the window's own figures.
        const sw = s.subWindows!;
        expect(sw.bpfStats!.length, `${v.variant} depth ${s.depth}`).toBeGreaterThanOrEqual(4);
        expect(sw.bpfStats!.reduce((a, [n]) => a + n, 0)).toBe(s.bpfStats!.runCnt);
        expect(sw.bpfStats!.reduce((a, [, ns]) => a + ns, 0)).toBe(s.bpfStats!.runTimeNs);
        expect(sw.kprobe!.reduce((a, [n]) => a + n, 0)).toBe(s.kprobe!.count);
        expect(sw.kprobe!.reduce((a, [, ns]) => a + ns, 0)).toBe(s.kprobe!.totalNs);
      }
      slopes[v.variant] = { 'bpf-stats': slope(samples, perPacket['bpf-stats']), kprobe: slope(samples, perPacket.kprobe) };
    }
    console.log(`traffic cell ${which}: instructions per tail call ${JSON.stringify(slopes)}`);
    for (const method of ['bpf-stats', 'kprobe'] as const) {
      expect(slopes.direct![method]).toBeGreaterThan(0);
      expect(slopes.direct![method]).toBeLessThan(slopes.indirect![method]!);
    }
  });
});

describe('traffic benchmark on a kernel without veth', () => {
  it('is bench-failed, and the reason names the veth module', async () => {
    // The newest kernel booted with every traffic module but veth: the kernel then lacks it.
    const boot = await bootTraffic(
      await testKernel('newest'),
      TRAFFIC_MODULES.filter((m) => m !== 'veth'),
      { ...PARAMS, depths: [0] },
    );
    expect(boot.exitOk, boot.watcher.tail().join('\n')).toBe(true);
    // The classification is the same for every benchmark type; this one only has to reach it.
    const bench = benchmark.parse({ name: 'test-run', type: 'test-run' });
    const out = classifyCell({
      exit: { timedOut: false, canceled: false, stoppedEarly: false, exitCode: 0, stderrTail: '', timeoutMs: CELL_TIMEOUT_MS },
      console: boot.watcher.state,
      agent: boot.agent,
      missing: resolveBenchmark(bench, { mode: 'timed' }).needs.missing,
    });
    expect(out.status).toBe('bench-failed');
    expect(out.message).toMatch(/^module: veth: .*lacks the veth module/);
  });
});
