// Benchmark 2 through analysis and every report format, on real cells: runs of examples/traffic.json
// (Benchmark 1 and 2 of the same kernel and boot) for the oldest and newest default Debian kernels,
// booted under TCG with instruction counting.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyse } from '../../src/benchmarks/analyse.js';
import { summary as summarySchema, type CellSummary, type Summary } from '../../src/analysis/summary-schema.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { loadResultDirs } from '../../src/results/load.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { analyseResultDirs } from '../../src/benchmarks/analyse.js';

const TRAFFIC_ROOT = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'traffic-runs');

const KERNELS = ['5.10-cloud', 'sid-cloud'];
let summary: Summary;
const cellOf = (key: string) => summary.cells.find((c) => c.key === key)!;
beforeAll(async () => {
  const analysed = await analyseResultDirs([TRAFFIC_ROOT]);
  if (!analysed.ok) throw new Error(analysed.error);
  summary = analysed.value;
});

describe('Benchmark 2 on real boots of the oldest and newest default kernel (UDP, -icount)', () => {
  it.each(KERNELS)('%s, bpf_stats: the per-packet cost rises by Benchmark 1 instructions per tail call, and agrees with it', (k) => {
    const traffic = cellOf(`${k}/retpoline/traffic`);
    const b1 = cellOf(`${k}/retpoline/test-run`);
    const stats = traffic.traffic!.methods.find((m) => m.method === 'bpf-stats')!;
    for (const v of ['direct', 'indirect'] as const) {
      const fit = stats.variants.find((x) => x.variant === v)!.fit!;
      // Exact counts: the same whole number of instructions as BPF_PROG_TEST_RUN's, under real packets.
      expect(Math.abs(fit.slope - b1[v]!.fit!.slope), `${k} ${v}`).toBeLessThan(0.05);
    }
    expect(stats.comparison!.savingNs).toBeGreaterThan(0);
    expect(stats.comparison!.unit).toBe('instructions');
    expect(stats.agreement.map((a) => [a.variant, a.testRunCellId, a.agrees])).toEqual([
      ['direct', b1.cellId, true],
      ['indirect', b1.cellId, true],
    ]);
  });

  it.each(KERNELS)('%s, probe pair: direct < indirect per tail call, a larger hook cost, packets within the tolerance of iperf3', (k) => {
    const traffic = cellOf(`${k}/retpoline/traffic`);
    const probe = traffic.traffic!.methods.find((m) => m.method === 'kprobe')!;
    expect(probe.attach).toMatch(/^(fexit|kretprobe):cls_bpf_classify$/);
    const [d, i] = [probe.variants.find((v) => v.variant === 'direct')!, probe.variants.find((v) => v.variant === 'indirect')!];
    expect(d.fit!.slope).toBeGreaterThan(0);
    expect(d.fit!.slope).toBeLessThan(i.fit!.slope);
    const stats = traffic.traffic!.methods.find((m) => m.method === 'bpf-stats')!;
    expect(d.fit!.intercept).toBeGreaterThan(stats.variants[0]!.fit!.intercept);
    for (const p of d.points) {
      expect(p.chainDepthSeen).toBe(p.depth);
      expect(Math.abs(p.packetsOffPct!)).toBeLessThan(5);
    }
    expect(traffic.warnings).toEqual([]);
  });

  it('TCP (5.10): no iperf3 packet count, so no packet check, said in the table; the slope still resolves direct < indirect', () => {
    const tcp = cellOf('5.10-cloud/retpoline/traffic-tcp');
    expect(tcp.traffic!.protocol).toBe('tcp');
    for (const m of tcp.traffic!.methods) {
      for (const v of m.variants) for (const p of v.points) expect(p.iperfPackets).toBeNull();
      expect(m.comparison!.savingCi[0]).toBeGreaterThan(0);
      // Its run had no Benchmark 1 cell: nothing to agree with, and no claim made.
      expect(m.agreement).toEqual([]);
    }
    expect(renderMarkdown(summary)).toMatch(/\| \d+ counted, TCP: iperf3 counts no packets \|/);
  });

  it('a failed traffic cell (no iperf3 in the guest): one row naming its status, the message in Failed cells and a JUnit failure', async () => {
    const loaded = await loadResultDirs([path.join(PACKAGE_ROOT, 'test', 'fixtures', 'traffic-failed')]);
    if (!loaded.ok) throw new Error(loaded.error);
    const failed = analyse(loaded.value.cells.map((c) => c.cell));
    expect(failed.cells[0]!.traffic).toBeNull();
    const md = renderMarkdown(failed);
    expect(md).toMatch(/\| 5\.10-cloud \(5\.10\.0-32-cloud-amd64\) \| amd64 \| retpoline \| — \| \*\*agent-error\*\* \| — \|/);
    expect(md).toContain('#### 5.10-cloud / retpoline / traffic: agent-error: iperf3: iperf3 -s exited at once');
    expect(renderJunit(failed)).toMatch(/<failure type="agent-error" message="agent-error: iperf3: iperf3 -s exited at once/);
    expect(await renderHtml(failed)).toMatch(/<tr class="failed" data-key="5\.10-cloud\/retpoline\/traffic" data-arch="amd64">/);
  });

  it('the summary validates against its schema with the traffic fields', () => {
    expect(summarySchema.safeParse(JSON.parse(renderJson(summary))).success).toBe(true);
    const json = JSON.parse(renderJson(summary)) as Summary;
    expect(json.cells.filter((c: CellSummary) => c.traffic).map((c) => c.traffic!.methods.length)).toEqual([2, 2, 2]);
  });

  it('Markdown: a traffic table per kind, a row per method, the ratio to Benchmark 1 and throughput with units', () => {
    const md = renderMarkdown(summary);
    const from = md.indexOf('## Benchmark `traffic`');
    const section = md.slice(from, md.indexOf('## Benchmark', from + 1));
    expect(section).toContain('### Under traffic: Exact instruction counts');
    const rows = section.split('\n').filter((l) => l.startsWith('| 5.10-cloud'));
    expect(section.split('\n').filter((l) => l.startsWith('| sid-cloud'))).toHaveLength(2);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(
      /\| bpf_stats \(run_time_ns \/ run_cnt\) \| 22\.00 ± 0\.00 instr\/call \| 26\.00 ± 0\.00 instr\/call \| 4\.00 ± 0\.00 instr \(15\.4 %\) \|/,
    );
    expect(rows[0]).toMatch(/direct 1\.00 \[1\.00, 1\.00\] × Benchmark 1 · indirect 1\.00 \[1\.00, 1\.00\] × Benchmark 1/);
    expect(rows[0]).toMatch(/direct \d+\.\d Mbit\/s · indirect \d+\.\d Mbit\/s/);
    expect(rows[1]).toMatch(/probe pair around cls_bpf_classify \((fexit|kretprobe):cls_bpf_classify\)/);
  });

  it('HTML: the traffic table, one cost-per-tail-call chart, and a depth chart per cell and method, as inline SVG', async () => {
    const html = await renderHtml(summary);
    expect(html).toMatch(/<table class="traffic" data-kind="instructions">/);
    expect(html.match(/data-chart="traffic-bars"[^>]*data-series="2"/g)).toHaveLength(2); // one per traffic benchmark
    expect(html.match(/data-chart="traffic-depth" data-series="2"[^>]*data-method="(bpf-stats|kprobe)"/g)).toHaveLength(6);
    const bars = html.slice(html.indexOf('data-chart="traffic-bars"'));
    expect(bars.slice(0, bars.indexOf('</figure>'))).toContain('<svg');
    // Benchmark 1's charts stay Benchmark 1's: none of them for the traffic cell.
    expect(html).not.toMatch(/data-chart="depth"[^>]*data-key="5\.10-cloud\/retpoline\/traffic"/);
  });

  it('JUnit: one testcase per traffic cell, with each method and variant and the agreement', () => {
    const xml = renderJunit(summary);
    const suite = xml.slice(xml.indexOf('<testsuite name="traffic"'));
    expect(suite).toMatch(/^<testsuite name="traffic" tests="2" failures="0"/);
    expect(suite).toContain('bpf_stats (run_time_ns / run_cnt), direct: 22.00 ± 0.00 instr/call');
    expect(suite).toContain('bpf_stats (run_time_ns / run_cnt), vs Benchmark 1: indirect 1.00 [1.00, 1.00] × Benchmark 1');
  });
});
