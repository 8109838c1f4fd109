import { describe, expect, it } from 'vitest';
import { classifyLine, CONSOLE_TAIL_LINES, ConsoleWatcher } from '../../src/vm/console.js';
import { classifyCell, type VmExit } from '../../src/vm/cell-status.js';
import { missingTrafficSamples } from '../../src/benchmarks/traffic.js';
import { resolveBenchmark } from '../../src/benchmarks/registry.js';
import { benchmark } from '../../src/matrix/schema.js';
import type { AgentOutput } from '../../src/measure/agent-output.types.js';
import type { Sample } from '../../src/results/cell-result.js';
import type { TrafficSample } from '../../src/results/traffic-result.js';

describe('classifyLine', () => {
  it('reads the banners of images/init', () => {
    expect(classifyLine('tailmatrix-init: start 6.1.0-50-cloud-amd64')).toEqual({ kind: 'init-start' });
    expect(classifyLine('tailmatrix-init: agent-start')).toEqual({ kind: 'agent-start' });
    expect(classifyLine('tailmatrix-init: agent-exit 1')).toEqual({ kind: 'agent-exit', code: 1 });
    expect(classifyLine('tailmatrix-init: probe-ok')).toEqual({ kind: 'probe-ok' });
    expect(classifyLine('tailmatrix-init: insmod-failed veth.ko')).toEqual({ kind: 'insmod-failed', module: 'veth.ko' });
    expect(classifyLine('tailmatrix-init: mode agent')).toBeUndefined();
  });

  it('sees panics as real kernels print them, and not a mere command line echo', () => {
    expect(classifyLine('[    1.234567] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)')).toEqual({
      kind: 'panic',
      text: 'VFS: Unable to mount root fs on unknown-block(0,0)',
    });
    expect(classifyLine('[    0.000000] Command line: console=ttyS0 panic=-1 rdinit=/nonexistent')).toBeUndefined();
    expect(classifyLine('[    2.1] ---[ end trace 0000000000000000 ]---')).toBeUndefined();
  });

  it("sees QEMU's KVM failures", () => {
    expect(classifyLine('KVM internal error. Suberror: 1')?.kind).toBe('kvm-error');
    expect(classifyLine('qemu-system-x86_64: failed to initialize kvm: Permission denied')?.kind).toBe('kvm-error');
  });
});

describe('ConsoleWatcher', () => {
  it('keeps the last lines, cleaned of carriage returns and escapes, and folds marks into state', () => {
    const w = new ConsoleWatcher();
    for (let i = 0; i < CONSOLE_TAIL_LINES + 10; i++) w.push(`line ${i}\r`);
    w.push('\x1b[0mtailmatrix-init: start 5.10\r');
    w.push('Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100');
    w.push('Kernel panic - not syncing: second');
    expect(w.tail()).toHaveLength(CONSOLE_TAIL_LINES);
    expect(w.tail().at(-3)).toBe('tailmatrix-init: start 5.10');
    expect(w.state.initStarted).toBe(true);
    expect(w.state.panic).toBe('Attempted to kill init! exitcode=0x00000100');
  });
});

describe('classifyCell', () => {
  const bench = benchmark.parse({
    name: 'tr',
    type: 'test-run',
    params: { maxDepth: 2, samples: 2, repeat: 10, variants: ['direct', 'indirect'] },
  });
  // The sweep's completeness check, as a cell's run spec holds it (src/cells/cell-spec.ts).
  const missing = resolveBenchmark(bench, { mode: 'timed' }).needs.missing;
  const exit: VmExit = { timedOut: false, canceled: false, stoppedEarly: false, exitCode: 0, stderrTail: '', timeoutMs: 60_000 };
  const booted = { initStarted: true, agentStarted: true, agentExit: 0, probeOk: false, insmodFailed: [] };
  const samples = (bad?: number): Sample[] =>
    [0, 1, 2].flatMap((d) => [0, 1].map(() => ({ depth: d, durationNs: 100 + d, retval: d === bad ? 99 : d, repeat: 10 })));
  const agent = (over: Partial<AgentOutput> = {}): AgentOutput => ({
    variants: [
      { variant: 'direct', samples: samples(), warmup: 1 },
      { variant: 'indirect', samples: samples(), warmup: 1 },
    ],
    errors: [],
    complete: true,
    garbage: [],
    blocks: [],
    stream: '',
    ...over,
  });

  it('bench-failed naming the module when the agent says the kernel lacks one (traffic: veth, sch_ingress, cls_bpf)', () => {
    const errors = ['module: veth: the kernel cannot create a veth pair (Operation not supported): it lacks the veth module'];
    expect(classifyCell({ exit, console: booted, agent: agent({ errors }), missing })).toEqual({
      status: 'bench-failed',
      message: errors[0],
    });
  });

  it('ok when every variant has every depth with its samples and right retvals', () => {
    expect(classifyCell({ exit, console: booted, agent: agent(), missing })).toEqual({ status: 'ok' });
  });

  it('panic beats everything, even when we had to stop QEMU ourselves', () => {
    const out = classifyCell({
      exit: { ...exit, canceled: false, stoppedEarly: true, exitCode: undefined },
      console: { ...booted, panic: 'Oops' },
      missing,
    });
    expect(out).toEqual({ status: 'panic', message: 'kernel panic: Oops' });
  });

  it('timeout says how far the guest got', () => {
    expect(classifyCell({ exit: { ...exit, timedOut: true }, console: { ...booted, agentStarted: false }, missing })).toEqual({
      status: 'timeout',
      message: 'no result after 60 s (in /init before the agent started); VM killed',
    });
  });

  it("boot-failed when the agent never started, with QEMU's reason", () => {
    const out = classifyCell({
      exit: { ...exit, exitCode: 1, stderrTail: 'qemu-system-x86_64: could not load kernel' },
      console: { initStarted: false, agentStarted: false, probeOk: false, insmodFailed: [] },
      missing,
    });
    expect(out).toEqual({
      status: 'boot-failed',
      message: 'the guest stopped before /init ran (QEMU exit status 1: qemu-system-x86_64: could not load kernel)',
    });
    expect(classifyCell({ exit: { ...exit, startError: 'spawn qemu ENOENT' }, console: booted, missing }).status).toBe('boot-failed');
  });

  it('agent-error for error records, bench-failed for a truncated stream or missing samples', () => {
    expect(classifyCell({ exit, console: booted, agent: agent({ errors: ['load: -22'] }), missing })).toEqual({
      status: 'agent-error',
      message: 'load: -22',
    });
    expect(classifyCell({ exit, console: { ...booted, agentExit: undefined }, agent: agent({ complete: false }), missing })).toEqual({
      status: 'bench-failed',
      message: 'agent output truncated: no end record',
    });
    const short = agent({ variants: [{ variant: 'direct', samples: samples().slice(1), warmup: 1 }] });
    const out = classifyCell({ exit, console: booted, agent: short, missing });
    expect(out.status).toBe('bench-failed');
    expect(out.message).toBe('2 problem(s): variant direct depth 0: 1/2 samples; variant indirect: no results');
    const wrong = agent({
      variants: [
        { variant: 'direct', samples: samples(1), warmup: 1 },
        { variant: 'indirect', samples: samples(), warmup: 1 },
      ],
    });
    expect(classifyCell({ exit, console: booted, agent: wrong, missing }).message).toBe('1 problem(s): variant direct depth 1: retval 99');
    expect(classifyCell({ exit, console: booted, missing })).toEqual({ status: 'bench-failed', message: 'the agent wrote no output' });
  });
});

describe('missingTrafficSamples', () => {
  const sample = (depth: number, over: Partial<TrafficSample> = {}): TrafficSample => ({
    depth,
    protocol: 'udp',
    durationMs: 1000,
    bpfStats: { runCnt: 2010, runTimeNs: 1e6 },
    kprobe: null,
    iperf: { packets: 2000, bytes: 128_000, bitsPerSecond: 1e6, lostPackets: 0 },
    chainDepthSeen: depth,
    ...over,
  });
  const out = (traffic: TrafficSample[]): AgentOutput => ({
    variants: [{ variant: 'direct', samples: [], warmup: 1, traffic }],
    errors: [],
    complete: true,
    garbage: [],
    blocks: [],
    stream: '',
  });
  const p = { depths: [0, 12], variants: ['direct', 'indirect'] as const };

  it('none when every variant has every depth, with packets and the depth proven', () => {
    const agent = out([sample(0), sample(12)]);
    agent.variants.push({ ...agent.variants[0]!, variant: 'indirect' });
    expect(missingTrafficSamples(p, agent)).toEqual([]);
  });

  it('names a missing variant or depth, a window without packets and a chain that stopped short', () => {
    expect(
      missingTrafficSamples(p, out([sample(0, { bpfStats: { runCnt: 0, runTimeNs: 0 } }), sample(12, { chainDepthSeen: 11 })])),
    ).toEqual([
      'variant direct depth 0: no packet reached the chain',
      'variant direct depth 12: the chain returned 11',
      'variant indirect depth 0: no traffic sample',
      'variant indirect depth 12: no traffic sample',
    ]);
  });
});
