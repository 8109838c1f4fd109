// Running-kernel cells on this machine's own kernel, for real: `tailmatrix run` as a user runs it, the
// static agent on the host as root, real BPF programs, real hardware nanoseconds. Also what the host
// must get back: every setting as found (after a normal run, Ctrl-C mid-sweep, the agent SIGKILLed
// mid-sweep), no program or pin of ours left; and the cases that must skip rather than fail (not
// root, a hardened host without --unharden-host). Other helpers load this machine: the sweep uses
// repeat 200000 and the figures below are judged with a robust statistic (per-depth minimum, then a
// Theil–Sen line), so a descheduled call or a whole slowed depth cannot tilt them.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { cellResult, figureKindOf, type CellResult, type VariantResult } from '../../src/results/cell-result.js';
import { hostCpuModel } from '../../src/util/host.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { readSettings, type Snapshot } from '../../src/vm/native-settings.js';
import { readAgentStream } from '../../src/results/load.js';
import { rederiveCell } from '../../src/cells/rederive.js';
import { startCli } from '../support/run-cli.js';

const CELL = 'host__host__test-run';
const NOBODY = 65534;
let dir: string;
let found: Snapshot;

function need(tool: string, pkg: string) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} is missing: install ${pkg} (scripts/install-deps.sh)`);
  }
}

beforeAll(async () => {
  if (process.geteuid?.() !== 0) throw new Error('test/integration/native.test.ts measures the host kernel and must run as root (CI does)');
  need('bpftool', 'bpftool');
  need('setpriv', 'util-linux');
  found = readSettings();
  dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-native-'));
  // Readable and writable by the unprivileged run too (its results, cache and temp files live here).
  chownSync(dir, NOBODY, NOBODY);
  const matrix = {
    kernels: [{ id: 'host', source: { type: 'running' } }],
    // Not used by the running kernel: it runs under the command line the host booted with.
    boots: [{ name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' }],
    benchmarks: [{ name: 'test-run', type: 'test-run', params: { maxDepth: 16, samples: 10, repeat: 200_000 } }],
    runner: { timeoutSec: 600 },
  };
  await writeFile(path.join(dir, 'matrix.json'), JSON.stringify(matrix, null, 2));
  chownSync(path.join(dir, 'matrix.json'), NOBODY, NOBODY);
});

// Whatever a test did to the host's settings, the machine gets them back as found.
afterAll(() => {
  for (const [name, value] of Object.entries(found ?? {})) {
    const file = path.join('/proc/sys', ...name.split('.'));
    if (value !== null && readFileSync(file, 'utf8').trim() !== value) writeFileSync(file, `${value}\n`);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function setSysctl(name: string, value: string) {
  writeFileSync(path.join('/proc/sys', ...name.split('.')), `${value}\n`);
}

const tmpOf = (name: string) => {
  const t = path.join(dir, name, 'tmp');
  mkdirSync(t, { recursive: true });
  return t;
};
const runArgs = (results: string, ...extra: string[]) => [
  'run',
  '-m',
  path.join(dir, 'matrix.json'),
  '--results',
  path.join(dir, results),
  ...extra,
];

function runDirOf(results: string): string {
  const root = path.join(dir, results);
  const [run] = readdirSync(root).filter((d) => existsSync(path.join(root, d, 'cells', `${CELL}.json`)));
  if (!run) throw new Error(`no ${CELL}.json under ${root}`);
  return path.join(root, run);
}

const cellOf = (results: string): CellResult =>
  cellResult.parse(JSON.parse(readFileSync(path.join(runDirOf(results), 'cells', `${CELL}.json`), 'utf8')));

/** Our programs (named prog_0 … prog_33 by tailcall.bpf.h) and everything pinned under /sys/fs/bpf. */
function bpfState(): { ours: number[]; pins: string[] } {
  const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' }) || '[]') as {
    id: number;
    name?: string;
  }[];
  const pins = (readdirSync('/sys/fs/bpf', { recursive: true }) as string[]).sort();
  return { ours: progs.filter((p) => /^prog_\d+$/.test(p.name ?? '')).map((p) => p.id), pins };
}

/** The kernel frees a program after its last fd closes and an RCU grace period: give it a moment. */
async function expectNothingLeft(before: { ours: number[]; pins: string[] }) {
  let now = bpfState();
  for (let i = 0; i < 50 && now.ours.some((id) => !before.ours.includes(id)); i++) {
    await new Promise((r) => setTimeout(r, 200));
    now = bpfState();
  }
  expect(
    now.ours.filter((id) => !before.ours.includes(id)),
    'BPF programs of ours still loaded',
  ).toEqual([]);
  expect(now.pins, '/sys/fs/bpf').toEqual(before.pins);
}

function expectSettingsAsBefore(before: Snapshot) {
  const after = readSettings();
  for (const name of Object.keys(before)) expect(after[name], name).toBe(before[name]);
}

/** Theil–Sen slope of the per-depth minima, with its distribution-free 95 % interval (Sen 1968). */
function robustSlope(v: VariantResult): { slope: number; ci: [number, number] } {
  const mins = new Map<number, number>();
  for (const s of v.samples) if (s.retval === s.depth) mins.set(s.depth, Math.min(mins.get(s.depth) ?? Infinity, s.durationNs));
  const pts = [...mins.entries()];
  const slopes: number[] = [];
  for (let i = 0; i < pts.length; i++)
    for (let j = i + 1; j < pts.length; j++) slopes.push((pts[j]![1] - pts[i]![1]) / (pts[j]![0] - pts[i]![0]));
  slopes.sort((a, b) => a - b);
  const n = pts.length;
  const N = slopes.length;
  const c = 1.96 * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const at = (k: number) => slopes[Math.min(N - 1, Math.max(0, k))]!;
  const mid = N % 2 ? at((N - 1) / 2) : (at(N / 2 - 1) + at(N / 2)) / 2;
  return { slope: mid, ci: [at(Math.floor((N - c) / 2)), at(Math.ceil((N + c) / 2))] };
}

/** Which indirect site the kernel's spectre_v2 mitigation makes the x86-64 JIT emit. */
function expectedIndirect(spectreV2: string): string[] {
  if (/Retpoline/i.test(spectreV2)) return ['retpoline-thunk', 'inline-retpoline'];
  if (/LFENCE/i.test(spectreV2)) return ['lfence-jmp'];
  return ['plain-indirect']; // IBRS / eIBRS, Vulnerable, off: a plain jmp *%rcx
}

/** Waits until the agent of the running cell has written sampled records, and returns its pid. */
async function midSweep(tmp: string, isDone: () => boolean): Promise<number> {
  for (let i = 0; i < 600 && !isDone(); i++) {
    const work = readdirSync(tmp).find((d) => d.startsWith(`tailmatrix-${CELL}-`));
    const out = work ? path.join(tmp, work, 'agent.jsonl') : undefined;
    if (out && existsSync(out) && readFileSync(out, 'utf8').includes('"type":"sample"')) {
      const pid = readdirSync('/proc').find((p) => /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(out));
      if (pid) return Number(pid);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the agent never reached the sweep');
}

describe('running-kernel cell on this machine', () => {
  it('measures hardware ns natively, proves the direct jump, and leaves the host as found', async () => {
    const before = readSettings();
    const bpfBefore = bpfState();
    const res = await startCli(runArgs('ok'), { env: { TMPDIR: tmpOf('ok') } });
    expect(res.exitCode, res.all).toBe(EXIT.ok);
    expectSettingsAsBefore(before);
    await expectNothingLeft(bpfBefore);

    const c = cellOf('ok');
    expect(c.status, c.message).toBe('ok');
    expect([c.backend, c.accelerator, c.emulated, figureKindOf(c)]).toEqual(['native', 'none', false, 'hardware-ns']);
    // The host's boot and fingerprint, never the matrix's.
    const cmdline = readFileSync('/proc/cmdline', 'utf8').trim();
    expect(c.boot).toEqual({ name: 'host', cmdline });
    const spectreV2 = readFileSync('/sys/devices/system/cpu/vulnerabilities/spectre_v2', 'utf8').trim();
    expect(c.fingerprint).toMatchObject({ release: os.release(), cmdline, spectreV2, cpuModel: hostCpuModel() });

    const direct = c.variants.find((v) => v.variant === 'direct')!;
    const indirect = c.variants.find((v) => v.variant === 'indirect')!;
    expect(direct.jit?.mechanism).toBe('direct-jump');
    expect(expectedIndirect(spectreV2)).toContain(indirect.jit?.mechanism);
    // The host's JIT images of the two chains: the same instructions outside the tail-call sequence.
    expect(c.jitSymmetry, JSON.stringify(c.jitSymmetry?.differences)).toMatchObject({
      verdict: 'identical',
      programs: 34,
      programsDiffering: 0,
    });
    expect(c.jitSymmetry!.sequences.map((q) => q.variant)).toEqual(['direct', 'indirect']);
    const d = robustSlope(direct);
    const i = robustSlope(indirect);
    console.log(
      `[native ${os.release()}, ${spectreV2}] direct ${d.slope.toFixed(2)} [${d.ci.map((x) => x.toFixed(2)).join(', ')}] ns/call, indirect (${indirect.jit?.mechanism}) ${i.slope.toFixed(2)} [${i.ci.map((x) => x.toFixed(2)).join(', ')}] ns/call`,
    );
    // Both chains really cost something per tail call on hardware.
    expect(d.slope).toBeGreaterThan(0);
    expect(i.slope).toBeGreaterThan(0);
    if (indirect.jit?.mechanism === 'retpoline-thunk') {
      expect(i.slope).toBeGreaterThanOrEqual(1.5 * d.slope);
      expect(i.ci[0], 'intervals overlap').toBeGreaterThan(d.ci[1]);
    }

    // Alone on the host, variants interleaved in the order of the recorded seed, and the kept raw stream
    // gives back the very cell (rederiveCell checks the order against the seed).
    expect(c.concurrentCells).toBe(1);
    expect(c.sweep?.order).toBe('interleaved');
    // Ten loads of the chains (the default 20, at most one per sample), one sample per depth and variant
    // each; the JIT images from the first load.
    expect(c.sweep?.loads).toBe(10);
    expect(c.benchmark.params).toMatchObject({ samples: 10, loads: 10 });
    for (const v of [direct, indirect]) {
      expect(v.jit?.images).toHaveLength(34);
      for (let depth = 0; depth <= 16; depth++) {
        const kept = v.samples.filter((s) => s.depth === depth && !s.retaken);
        expect(kept).toHaveLength(10);
        // Each sample says which load it timed (the agent writes it): one per load at every depth.
        expect(kept.map((s) => s.load).sort((a, b) => a! - b!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      }
    }
    // The sweep ran pinned at real-time priority, and every timed call was checked for switches.
    expect(c.isolation).toMatchObject({ pinned: true, policy: 'fifo', priority: 5, retakes: 10 });
    expect(c.isolation!.cpu).toBeGreaterThanOrEqual(0);
    // What the rest of the machine did meanwhile, read from /proc/stat around the sweep.
    expect(c.isolation!.load?.cpus).toBe(os.cpus().length);
    expect(c.isolation!.load?.stealPct).not.toBeUndefined();
    for (const v of [direct, indirect]) {
      expect(
        v.samples.every((s) => s.contaminated !== undefined && s.switches !== undefined && s.wallNs !== undefined && s.runNs !== undefined),
      ).toBe(true);
      const flagged = v.samples.filter((s) => s.contaminated);
      expect(v.contamination).toEqual({
        checked: v.samples.length,
        contaminated: flagged.length,
        retaken: flagged.filter((s) => s.retaken).length,
        keptContaminated: flagged.filter((s) => !s.retaken).length,
      });
      console.log(
        `[native isolation] cpu ${c.isolation!.cpu} ${c.isolation!.policy} ${c.isolation!.priority}, ${v.variant}: ${JSON.stringify(v.contamination)}`,
      );
    }
    const stream = await readAgentStream(runDirOf('ok'), c.cellId);
    expect(stream.ok && rederiveCell(c, stream.value)).toEqual({ ok: true, value: c });

    const report = readFileSync(path.join(runDirOf('ok'), 'report.md'), 'utf8');
    expect(report).toMatch(/\| host \(.*\) \| amd64 \| host \|.*\| native \(running kernel\): ns \(hardware\) \|/);
  });

  it('puts every host setting back after Ctrl-C mid-sweep, including ones it had to change', async () => {
    // Settings the agent must change here (as found on this machine it changes none): lowering
    // kptr_restrict weakens the host, so --unharden-host allows it.
    setSysctl('kernel.kptr_restrict', '2');
    setSysctl('net.core.bpf_jit_kallsyms', '0');
    const before = readSettings();
    const bpfBefore = bpfState();
    const tmp = tmpOf('sigint');
    const child = startCli(runArgs('sigint', '--unharden-host'), { env: { TMPDIR: tmp } });
    let exited = false;
    void child.finally(() => (exited = true));
    await midSweep(tmp, () => exited);
    // The run really changed them: what is restored below was not trivially equal.
    expect(readSettings()['kernel.kptr_restrict']).toBe('1');
    expect(readSettings()['net.core.bpf_jit_kallsyms']).toBe('1');
    child.kill('SIGINT');
    const res = await child;
    expect(res.exitCode, res.all).toBe(EXIT.interrupted);
    expectSettingsAsBefore(before);
    await expectNothingLeft(bpfBefore);
    setSysctl('kernel.kptr_restrict', found['kernel.kptr_restrict']!);
    setSysctl('net.core.bpf_jit_kallsyms', found['net.core.bpf_jit_kallsyms']!);
  });

  it('puts every host setting back when the agent is SIGKILLed mid-sweep (no handler of its own runs)', async () => {
    setSysctl('kernel.kptr_restrict', '2');
    const before = readSettings();
    const bpfBefore = bpfState();
    const tmp = tmpOf('sigkill');
    const child = startCli(runArgs('sigkill', '--unharden-host'), { env: { TMPDIR: tmp } });
    let exited = false;
    void child.finally(() => (exited = true));
    const agentPid = await midSweep(tmp, () => exited);
    expect(readSettings()['kernel.kptr_restrict']).toBe('1');
    process.kill(agentPid, 'SIGKILL');
    const res = await child;
    expect(res.exitCode, res.all).toBe(EXIT.cellFailures);
    expectSettingsAsBefore(before);
    await expectNothingLeft(bpfBefore);
    const c = cellOf('sigkill');
    expect(c.status).not.toBe('ok');
    expect(c.consoleTail).toContain('tailmatrix-native: host settings restored as found');
    setSysctl('kernel.kptr_restrict', found['kernel.kptr_restrict']!);
  });

  it('never weakens a hardened host without --unharden-host: skipped, naming what it would change', async () => {
    setSysctl('net.core.bpf_jit_harden', '1');
    const before = readSettings();
    const res = await startCli(runArgs('hardened'), { env: { TMPDIR: tmpOf('hardened') } });
    expect(res.exitCode, res.all).toBe(EXIT.ok);
    expectSettingsAsBefore(before);
    const c = cellOf('hardened');
    expect(c.status).toBe('skipped');
    expect(c.message).toContain('net.core.bpf_jit_harden 1 → 0');
    expect(c.message).toContain('--unharden-host');
    setSysctl('net.core.bpf_jit_harden', found['net.core.bpf_jit_harden']!);
  });

  it('is skipped, with the reason, when not root; the exit code is not a failure', async () => {
    const home = path.join(dir, 'nobody');
    mkdirSync(home, { recursive: true });
    chownSync(home, NOBODY, NOBODY);
    const tmp = tmpOf('nobody');
    chownSync(tmp, NOBODY, NOBODY);
    chownSync(path.dirname(tmp), NOBODY, NOBODY);
    const before = readSettings();
    const res = await execa(
      'setpriv',
      [
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        '--clear-groups',
        process.execPath,
        '--import',
        'tsx',
        path.join(PACKAGE_ROOT, 'test/support/cli.ts'),
        ...runArgs('nobody/results'),
      ],
      // Its own cache: root's is not nobody's to write (the payload is built there).
      {
        cwd: PACKAGE_ROOT,
        env: { HOME: home, TAILMATRIX_CACHE: path.join(home, 'cache'), TMPDIR: tmp, CI: 'true' },
        reject: false,
        all: true,
      },
    );
    expect(res.exitCode, res.all).toBe(EXIT.ok);
    expectSettingsAsBefore(before);
    const c = cellOf('nobody/results');
    expect(c.status).toBe('skipped');
    expect(c.message).toMatch(/^not root \(uid 65534\): .*run tailmatrix as root/);
  });
});
