// What every traffic window of a real boot must show, whatever backend ran it (qemu-traffic.test.ts,
// vng-traffic.test.ts): one window per asked depth, packets sent, the chain seen reaching the depth,
// and bpf_stats counting what iperf3 sent.
import { expect } from 'vitest';
import type { TrafficSample } from '../../src/results/traffic-result.js';

export function expectPacketsThroughChain(variant: string, samples: readonly TrafficSample[], depths: readonly number[]): void {
  expect(samples.map((s) => s.depth)).toEqual(depths);
  for (const s of samples) {
    expect(s.chainDepthSeen, `${variant} depth ${s.depth}${s.chainDepthSeenError ? `: ${s.chainDepthSeenError}` : ''}`).toBe(s.depth);
    const sent = s.iperf.packets ?? 0;
    expect(sent, `${variant} depth ${s.depth}`).toBeGreaterThan(0);
    // run_cnt also counts iperf3's control connection and ARP: a few over what iperf3 sent, never fewer.
    expect(s.bpfStats!.runCnt).toBeGreaterThanOrEqual(sent);
    expect(s.bpfStats!.runCnt / sent).toBeLessThan(1.03);
  }
}
