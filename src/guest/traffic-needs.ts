// What the traffic benchmark (Benchmark 2, bpf/PROTOCOL.md) needs in a guest beyond Benchmark 1's
// payload: the kernel's veth, clsact qdisc and bpf classifier as modules (each cloud kernel builds
// them as modules; a kernel that has them built in needs nothing), and the host's iperf3 with its
// shared libraries (src/guest/programs.ts). The vng backend boots the host's root, so it needs only
// iperf3 installed there; the native backend the same.
import { which } from '../util/which.js';
import { err, ok, type Result } from '../util/result.js';

/** veth: the pair between the namespaces; sch_ingress: clsact; cls_bpf: the tc BPF classifier. */
export const TRAFFIC_MODULES = ['veth', 'sch_ingress', 'cls_bpf'] as const;

/** The host's iperf3 (Debian package iperf3), as an absolute path to copy into the image. */
export async function trafficPrograms(env: NodeJS.ProcessEnv = process.env): Promise<Result<string[], string>> {
  const iperf3 = await which('iperf3', env);
  if (iperf3 === undefined) return err('iperf3 not found on PATH: the traffic benchmark runs it in every cell (install iperf3)');
  return ok([iperf3]);
}
