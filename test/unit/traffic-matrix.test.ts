import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadMatrix, parseMatrix } from '../../src/matrix/load.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { benchmark } from '../../src/matrix/schema.js';
import { resolveBenchmark } from '../../src/benchmarks/registry.js';

// What a cell's run spec holds for the benchmark, resolved by its driver (src/cells/cell-spec.ts).
const needs = (b: Parameters<typeof resolveBenchmark>[0]) => resolveBenchmark(b, { mode: 'timed' }).needs;
const agentArgs = (b: Parameters<typeof resolveBenchmark>[0]) => needs(b).agentArgs;
const benchmarkModules = (b: Parameters<typeof resolveBenchmark>[0]) => needs(b).modules;

const withTraffic = (params?: Record<string, unknown>) => ({
  kernels: [{ id: 'k', source: { type: 'debian', suite: 'bookworm', package: 'linux-image-cloud-amd64' } }],
  boots: [{ name: 'default' }],
  benchmarks: [{ name: 'tc', type: 'traffic', ...(params ? { params } : {}) }],
});

function errorsOf(params: Record<string, unknown>): string[] {
  const r = parseMatrix(withTraffic(params));
  expect(r.ok, JSON.stringify(params)).toBe(false);
  return r.ok ? [] : r.error;
}

describe('traffic benchmark in matrix.json', () => {
  it('fills defaults: depths clear of the stopping tc verdicts, whole-second windows, both variants and methods', () => {
    const r = parseMatrix(withTraffic());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const b = r.value.benchmarks[0]!;
    expect(b.type).toBe('traffic');
    if (b.type !== 'traffic') return;
    expect(b.params).toEqual({
      depths: [1, 12, 16, 24, 32],
      durationMs: 2000,
      protocol: 'tcp',
      udpPacketRate: 10_000,
      udpPacketBytes: 64,
      variants: ['direct', 'indirect'],
      methods: ['bpf-stats', 'kprobe'],
    });
  });

  it('rejects depths whose return value is a tc verdict that stops the packet, naming the field and why', () => {
    const errors = errorsOf({ depths: [0, 2, 7, 8, 16] });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^benchmarks\[0\]\.params\.depths: depth\(s\) 2, 7, 8 would stop the traffic: under tc direct-action .* pick other depths$/,
    );
    // cls_bpf turns the other small codes into TC_ACT_UNSPEC, which lets the packet pass.
    expect(parseMatrix(withTraffic({ depths: [0, 1, 3, 5, 6] })).ok).toBe(true);
  });

  it('rejects too few depths for a slope, repeated depths, and depths past the chain', () => {
    expect(errorsOf({ depths: [0, 16] })[0]).toMatch(/^benchmarks\[0\]\.params\.depths: /);
    expect(errorsOf({ depths: [0, 16, 16] })[0]).toMatch(/^benchmarks\[0\]\.params\.depths: each depth once/);
    expect(errorsOf({ depths: [0, 16, 34] })[0]).toMatch(/^benchmarks\[0\]\.params\.depths\[2\]: /);
  });

  it('rejects a window that is not whole seconds, an unknown protocol or method, and unknown fields', () => {
    expect(errorsOf({ durationMs: 1500 })[0]).toMatch(/^benchmarks\[0\]\.params\.durationMs: /);
    expect(errorsOf({ durationMs: 0 })[0]).toMatch(/^benchmarks\[0\]\.params\.durationMs: /);
    expect(errorsOf({ protocol: 'sctp' })[0]).toMatch(/^benchmarks\[0\]\.params\.protocol: /);
    expect(errorsOf({ methods: ['perf'] })[0]).toMatch(/^benchmarks\[0\]\.params\.methods\[0\]: /);
    expect(errorsOf({ methods: [] })[0]).toMatch(/^benchmarks\[0\]\.params\.methods: /);
    expect(errorsOf({ udpPacketRate: 0 })[0]).toMatch(/^benchmarks\[0\]\.params\.udpPacketRate: /);
    expect(errorsOf({ udpPacketBytes: 8 })[0]).toMatch(/^benchmarks\[0\]\.params\.udpPacketBytes: /);
    // Benchmark 1's parameters do not belong here: a typo or a copy-paste is said, not ignored.
    expect(errorsOf({ maxDepth: 32 })[0]).toMatch(/^benchmarks\[0\]\.params: .*maxDepth/);
  });
});

describe('examples/traffic.json', () => {
  it('is a valid matrix with Benchmark 1 and 2 for the oldest and newest default Debian kernels and the running kernel', async () => {
    const r = await loadMatrix(path.join(PACKAGE_ROOT, 'examples', 'traffic.json'));
    expect(r.ok, r.ok ? '' : r.error.join('\n')).toBe(true);
    if (!r.ok) return;
    expect(r.value.matrix.kernels.map((k) => k.id)).toEqual(['5.10-cloud', 'sid-cloud', 'host']);
    expect(r.value.matrix.benchmarks.map((b) => b.type)).toEqual(['test-run', 'traffic']);
  });
});

describe('traffic agent arguments and modules', () => {
  it('passes depths, window, protocol and variants (bpf/PROTOCOL.md); the UDP rate and length only for UDP', () => {
    const tcp = benchmark.parse({ name: 'tc', type: 'traffic' });
    expect(agentArgs(tcp)).toEqual([
      '--bench',
      'traffic',
      '--depths',
      '1,12,16,24,32',
      '--duration-ms',
      '2000',
      '--protocol',
      'tcp',
      '--variants',
      'direct,indirect',
    ]);
    const udp = benchmark.parse({ name: 'tc', type: 'traffic', params: { protocol: 'udp', udpPacketRate: 5000, variants: ['indirect'] } });
    expect(agentArgs(udp)).toEqual([
      '--bench',
      'traffic',
      '--depths',
      '1,12,16,24,32',
      '--duration-ms',
      '2000',
      '--protocol',
      'udp',
      '--udp-rate',
      '5000',
      '--udp-len',
      '64',
      '--variants',
      'indirect',
    ]);
  });

  it('loads veth, clsact (sch_ingress) and cls_bpf for traffic, nothing for test runs', () => {
    expect(benchmarkModules(benchmark.parse({ name: 'tc', type: 'traffic' }))).toEqual(['veth', 'sch_ingress', 'cls_bpf']);
    expect(benchmarkModules(benchmark.parse({ name: 'tr', type: 'test-run' }))).toEqual([]);
  });
});
