// Benchmark 2 (traffic) per-depth figures, as one variant's `traffic` samples in a cell result. The
// agent's traffic records (bpf/PROTOCOL.md) are parsed into this shape; analysis and reports read only it.
import { z } from 'zod';

export const trafficSample = z.object({
  depth: z.number().int().min(0),
  protocol: z.enum(['tcp', 'udp']),
  /** How long traffic flowed at this depth. */
  durationMs: z.number().min(0),
  /** bpf_stats of the entry program over the window (it is charged for the whole chain). */
  bpfStats: z.object({ runCnt: z.number().int().min(0), runTimeNs: z.number().min(0) }).nullable(),
  /** The probe pair around the classifier call that runs the chain: invocations, total and a log2 histogram. */
  kprobe: z
    .object({
      /** e.g. "fexit:cls_bpf_classify" or "kretprobe:cls_bpf_classify". */
      attach: z.string(),
      count: z.number().int().min(0),
      totalNs: z.number().min(0),
      histogramLog2Ns: z.array(z.number().int().min(0)),
    })
    .nullable(),
  /** iperf3's own account of the window. */
  iperf: z.object({
    packets: z.number().int().min(0).nullable(),
    bytes: z.number().min(0),
    bitsPerSecond: z.number().min(0),
    lostPackets: z.number().int().min(0).nullable(),
  }),
  /** Proof the chain ran to `depth` under traffic; null when the kernel gave no way to see it. */
  chainDepthSeen: z.number().int().min(0).nullable(),
  /**
   * How chainDepthSeen was taken (additive): `fexit` on the entry program under real packets, or, on a
   * kernel without BPF trampolines, one `test-run` of the attached chain as filled (not under traffic).
   */
  chainDepthSeenVia: z.enum(['fexit', 'test-run']).optional(),
  chainDepthSeenError: z
    .string()
    .optional()
    .describe(
      'why fexit on prog_0 did not give the depth (a load failure makes the agent fall back to a test run; an attach or proof failure leaves the depth unseen); absent when it did',
    ),
  /**
   * The window cut into sub-windows (additive; absent in streams from agents before them): each method's
   * [packets, ns] per sub-window, summing to the window's figures; null for a method that gave none.
   */
  subWindows: z
    .object({
      ms: z.number().int().min(1),
      bpfStats: z.array(z.tuple([z.number().int().min(0), z.number().min(0)])).nullable(),
      kprobe: z.array(z.tuple([z.number().int().min(0), z.number().min(0)])).nullable(),
    })
    .optional(),
  /** Why `kprobe` is null (additive): the kernel has neither fentry/fexit nor kprobes on cls_bpf_classify. */
  kprobeUnavailable: z.string().optional(),
});
export type TrafficSample = z.infer<typeof trafficSample>;
