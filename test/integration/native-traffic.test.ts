// The traffic benchmark on this machine's own kernel, for real: the static agent as root, two private
// network namespaces, a veth pair, the chains on tc ingress, the host's iperf3, real hardware ns. And
// what the host must get back, after a normal run and after SIGINT or SIGKILL mid-traffic: no namespace, veth,
// qdisc, program or pinned object of ours, no iperf3 left, kernel.bpf_stats_enabled as found. (The
// namespaces are held only by the agent's descriptors, so the kernel frees them and all in them.)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePayload } from '../../src/guest/payload.js';
import { parseAgentOutput } from '../../src/measure/agent-output.js';
import type { GuestPayload } from '../../src/guest/payload.js';
import { trafficAgentArgs, type TrafficAgentParams } from '../../src/vm/traffic-agent-args.js';

const PARAMS: TrafficAgentParams = {
  depths: [0, 12, 32],
  durationMs: 1000,
  protocol: 'udp',
  udpRate: 2000,
  udpLen: 64,
  variants: ['direct', 'indirect'],
};
/** Names of the agent's programs (chain prog_N, probe pair, depth proof), as the kernel truncates them (15 chars). */
const OUR_PROGRAM = /^(prog_\d+|cls_entry_\w+|cls_exit_\w+|chain_exit)$/;
/** Programs are freed after their last descriptor closes (RCU, a workqueue): a moment after exit. */
const FREE_WAIT_MS = 15_000;

let payload: GuestPayload;
let dir: string;

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });

interface HostState {
  netns: string;
  links: string[];
  qdiscs: string;
  bpffs: string[];
  bpfStatsEnabled: string;
  /** Network namespaces whose processes are ours (iperf3 or the agent). */
  ourNamespaces: string[];
  ourPrograms: string[];
}

function listTree(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
}

function hostState(agent: string): HostState {
  const lsns = JSON.parse(sh('lsns', ['-t', 'net', '-J', '-o', 'NS,COMMAND'])) as { namespaces: { ns: number; command: string }[] };
  const progs = JSON.parse(sh('bpftool', ['prog', 'show', '-j'])) as { id: number; name?: string }[];
  return {
    netns: sh('ip', ['netns', 'list']),
    links: sh('ip', ['-o', 'link', 'show'])
      .split('\n')
      .map((l) => l.split(':')[1]?.trim() ?? '')
      .filter((n) => n !== '')
      .sort(),
    qdiscs: sh('tc', ['qdisc', 'show']),
    bpffs: listTree('/sys/fs/bpf'),
    bpfStatsEnabled: readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim(),
    ourNamespaces: lsns.namespaces
      .filter((n) => /iperf3|10\.199\.0\./.test(n.command) || n.command.includes(agent))
      .map((n) => String(n.ns)),
    ourPrograms: progs.filter((p) => OUR_PROGRAM.test(p.name ?? '')).map((p) => `${p.id}:${p.name}`),
  };
}

async function settled(agent: string, before: HostState): Promise<HostState> {
  const until = Date.now() + FREE_WAIT_MS;
  let now = hostState(agent);
  while (Date.now() < until && (now.ourPrograms.some((p) => !before.ourPrograms.includes(p)) || now.ourNamespaces.length > 0)) {
    await new Promise((r) => setTimeout(r, 250));
    now = hostState(agent);
  }
  return now;
}

function expectAsFound(before: HostState, after: HostState): void {
  expect(after.netns).toBe(before.netns);
  expect(after.links).toEqual(before.links);
  expect(after.links.filter((l) => l.startsWith('tm'))).toEqual([]);
  expect(after.qdiscs).toBe(before.qdiscs);
  expect(after.bpffs).toEqual(before.bpffs);
  expect(after.bpfStatsEnabled).toBe(before.bpfStatsEnabled);
  expect(after.ourNamespaces).toEqual([]);
  expect(after.ourPrograms.filter((p) => !before.ourPrograms.includes(p))).toEqual([]);
}

function argv(out: string, params: TrafficAgentParams): string[] {
  return [...trafficAgentArgs(params), '--objdir', payload.objDir, '--out', out];
}

beforeAll(async () => {
  if (process.geteuid?.() !== 0)
    throw new Error('test/integration/native-traffic.test.ts measures the host kernel and must run as root (CI does)');
  for (const [tool, pkg] of [
    ['iperf3', 'iperf3'],
    ['bpftool', 'bpftool'],
    ['lsns', 'util-linux'],
    ['ip', 'iproute2'],
    ['tc', 'iproute2'],
  ] as const) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is missing: install ${pkg} (scripts/setup.sh)`);
    }
  }
  const p = await ensurePayload();
  if (!p.ok) throw new Error(p.error);
  payload = p.value;
  dir = mkdtempSync(path.join(os.tmpdir(), 'tailmatrix-native-traffic-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('traffic benchmark on the running kernel', () => {
  it('measures real packets through the chain and leaves the host as found', async () => {
    const before = hostState(payload.agent);
    const out = path.join(dir, 'run.jsonl');
    execFileSync(payload.agent, argv(out, PARAMS), { stdio: ['ignore', 'ignore', 'pipe'] });
    const agent = parseAgentOutput(readFileSync(out, 'utf8'));
    expect(agent.complete).toBe(true);
    expect(agent.errors).toEqual([]);
    for (const v of agent.variants) {
      expect(v.traffic?.map((s) => s.depth)).toEqual(PARAMS.depths);
      for (const s of v.traffic ?? []) {
        // Here the proof may come from a test run: a kernel without BPF trampolines cannot attach fexit.
        expect(s.chainDepthSeen).toBe(s.depth);
        const sent = s.iperf.packets ?? 0;
        expect(sent).toBeGreaterThan(1000);
        expect(s.bpfStats!.runCnt).toBeGreaterThanOrEqual(sent);
        expect(s.bpfStats!.runCnt / sent).toBeLessThan(1.03);
        expect(s.bpfStats!.runTimeNs).toBeGreaterThan(0);
        if (s.kprobe === null) expect(s.kprobeUnavailable).toMatch(/cls_bpf_classify/);
        // Sub-windows every 250 ms within the 1 s window, adding up to the window's own figures.
        const sw = s.subWindows!;
        expect(sw.ms).toBe(250);
        expect(sw.bpfStats!.length).toBeGreaterThanOrEqual(4);
        expect(sw.bpfStats!.reduce((a, [n]) => a + n, 0)).toBe(s.bpfStats!.runCnt);
        expect(sw.bpfStats!.reduce((a, [, ns]) => a + ns, 0)).toBe(s.bpfStats!.runTimeNs);
        if (s.kprobe) expect(sw.kprobe!.reduce((a, [n]) => a + n, 0)).toBe(s.kprobe.count);
        else expect(sw.kprobe).toBeNull();
      }
    }
    expectAsFound(before, await settled(payload.agent, before));
  });

  // SIGINT is Ctrl-C; SIGKILL is what the runner's process wrapper ends with when a grace runs out, and no handler sees it.
  it.each(['SIGINT', 'SIGKILL'] as const)('%s mid-traffic: the agent ends and nothing of it is left', async (sig) => {
    const before = hostState(payload.agent);
    const out = path.join(dir, `${sig}.jsonl`);
    const child = spawn(payload.agent, argv(out, { ...PARAMS, durationMs: 5000 }), { stdio: 'ignore' });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    // Mid-traffic: the first window is running once its variant's traffic_setup record is out.
    const until = Date.now() + 60_000;
    while (Date.now() < until && !(existsSync(out) && readFileSync(out, 'utf8').includes('"type":"traffic_setup"')))
      await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500));
    expect(hostState(payload.agent).ourNamespaces.length).toBeGreaterThan(0); // iperf3 really is running in them
    child.kill(sig);
    const end = await exited;
    expect(end.signal).toBe(sig);
    const agent = parseAgentOutput(readFileSync(out, 'utf8'));
    expect(agent.complete).toBe(false);
    expectAsFound(before, await settled(payload.agent, before));
  });
});
