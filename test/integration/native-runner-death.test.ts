// The runner of a real running-kernel cell killed from outside (issue 19) on a host with non-default,
// hardened settings (bpf_jit_harden=1, bpf_jit_kallsyms=0, kptr_restrict=2, run with --unharden-host):
// SIGKILL (no handler runs: the reaper restores from the journal), SIGHUP (a closed terminal: handled
// like Ctrl-C), and everything killed at once, runner, reaper and agent (the next invocation restores
// and says so). After each, every watched setting equals what it was before. Root only.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { readSettings, type Snapshot } from '../../src/vm/native-settings.js';
import { HOST_JOURNAL } from '../../src/vm/host-journal-path.js';
import { startCli } from '../support/run-cli.js';

const CELL = 'host__host__test-run';
let dir: string;
let found: Snapshot;

const HARDENED: Record<string, string> = { 'net.core.bpf_jit_harden': '1', 'net.core.bpf_jit_kallsyms': '0', 'kernel.kptr_restrict': '2' };

function setSysctl(name: string, value: string) {
  writeFileSync(path.join('/proc/sys', ...name.split('.')), `${value}\n`);
}

function putBack(values: Snapshot) {
  for (const [name, value] of Object.entries(values)) if (value !== null && readSettings()[name] !== value) setSysctl(name, value);
}

beforeAll(async () => {
  if (process.geteuid?.() !== 0) throw new Error('test/integration/native-runner-death.test.ts changes host sysctls and must run as root');
  found = readSettings();
  dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-native-death-'));
  const matrix = {
    kernels: [{ id: 'host', source: { type: 'running' } }],
    boots: [{ name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' }],
    benchmarks: [{ name: 'test-run', type: 'test-run', params: { maxDepth: 16, samples: 10, repeat: 200_000 } }],
    runner: { timeoutSec: 600 },
  };
  await writeFile(path.join(dir, 'matrix.json'), JSON.stringify(matrix, null, 2));
});

afterAll(() => {
  putBack(found ?? {});
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function hardened(): Snapshot {
  for (const [k, v] of Object.entries(HARDENED)) setSysctl(k, v);
  return readSettings();
}

async function until(what: string, test: () => boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (test()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

const same = (a: Snapshot, b: Snapshot) => Object.keys(a).every((k) => a[k] === b[k]);

/** Waits until the agent has written sampled records (the host settings are changed by then); its pid. */
async function midSweep(tmp: string, isDone: () => boolean): Promise<number> {
  for (let i = 0; i < 3000 && !isDone(); i++) {
    const work = existsSync(tmp) ? readdirSync(tmp).find((d) => d.startsWith(`tailmatrix-${CELL}-`)) : undefined;
    const out = work ? path.join(tmp, work, 'agent.jsonl') : undefined;
    if (out && existsSync(out) && readFileSync(out, 'utf8').includes('"type":"sample"')) {
      const pid = readdirSync('/proc').find((p) => /^\d+$/.test(p) && procText(`/proc/${p}/cmdline`).includes(out));
      if (pid) return Number(pid);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the agent never reached the sweep');
}

function start(name: string) {
  const tmp = path.join(dir, name, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const child = startCli(['run', '-m', path.join(dir, 'matrix.json'), '--results', path.join(dir, name, 'results'), '--unharden-host'], {
    env: { ...process.env, TMPDIR: tmp },
  });
  let exited = false;
  void child.finally(() => (exited = true));
  return { child, tmp, exited: () => exited };
}

function runJsonOf(name: string): { runId: string; status: string } {
  const root = path.join(dir, name, 'results');
  const [run] = readdirSync(root);
  return JSON.parse(readFileSync(path.join(root, run as string, 'run.json'), 'utf8'));
}

describe('host settings survive any death of the runner', { timeout: 600_000 }, () => {
  it('SIGKILL of the runner mid-sweep: the reaper writes every setting back within a second; run.json is left for --resume', async () => {
    const before = hardened();
    const { child, tmp, exited } = start('sigkill');
    await midSweep(tmp, exited);
    expect(readSettings()['net.core.bpf_jit_harden']).toBe('0'); // really weakened for the run
    expect(readSettings()['kernel.kptr_restrict']).toBe('1');
    expect(existsSync(HOST_JOURNAL)).toBe(true);
    child.kill('SIGKILL');
    const res = await child;
    expect(res.signal).toBe('SIGKILL');
    const ms = await until('settings restored after SIGKILL', () => same(readSettings(), before), 10_000);
    console.log(`SIGKILL of the runner: host settings restored by the reaper ${ms} ms after it died`);
    await until('journal removed', () => !existsSync(HOST_JOURNAL), 5_000);
    const meta = runJsonOf('sigkill');
    expect(meta.status).toBe('running');
    // The killed native-only run can be continued.
    const resumed = await startCli(
      [
        'run',
        '-m',
        path.join(dir, 'matrix.json'),
        '--results',
        path.join(dir, 'sigkill', 'results'),
        '--unharden-host',
        '--resume',
        meta.runId,
      ],
      {
        env: { ...process.env, TMPDIR: tmp },
      },
    );
    expect(resumed.all).not.toMatch(/no run\.json/);
    expect([EXIT.ok, EXIT.cellFailures]).toContain(resumed.exitCode);
    expect(
      existsSync(path.join(dir, 'sigkill', 'results', meta.runId, 'cells', `${CELL}.json`)),
      `the resumed run wrote its cell: ${resumed.all}`,
    ).toBe(true);
    expect(readSettings(), 'settings after the resumed run').toEqual(before);
  });

  it('SIGHUP of the runner (a closed terminal): handled like Ctrl-C, exit 130, settings as before', async () => {
    const before = hardened();
    const { child, tmp, exited } = start('sighup');
    await midSweep(tmp, exited);
    expect(readSettings()['net.core.bpf_jit_kallsyms']).toBe('1');
    child.kill('SIGHUP');
    const res = await child;
    expect(res.exitCode, res.all).toBe(EXIT.interrupted);
    expect(res.all).toContain('--resume');
    expect(same(readSettings(), before)).toBe(true);
    expect(existsSync(HOST_JOURNAL)).toBe(false);
    expect(runJsonOf('sighup').status).toBe('interrupted');
  });

  it('runner, reaper and agent all SIGKILLed: the next invocation restores the journal first and says so', async () => {
    const before = hardened();
    const { child, tmp, exited } = start('all');
    const agent = await midSweep(tmp, exited);
    const reaper = readdirSync('/proc').find(
      (p) => /^\d+$/.test(p) && procText(`/proc/${p}/cmdline`).includes('journals.add') && parentOf(Number(p)) === child.pid,
    );
    expect(reaper, 'the reaper of this run').toBeDefined();
    process.kill(Number(reaper), 'SIGKILL');
    child.kill('SIGKILL');
    process.kill(agent, 'SIGKILL');
    await child;
    await new Promise((r) => setTimeout(r, 1000));
    expect(readSettings()['net.core.bpf_jit_harden']).toBe('0'); // nobody restored it
    expect(existsSync(HOST_JOURNAL)).toBe(true);
    const later = await startCli(['--version'], { env: { ...process.env } });
    expect(later.exitCode).toBe(0);
    expect(later.all).toMatch(
      new RegExp(
        `host settings left changed by a tailmatrix run that died \\(pid ${child.pid}\\): restored .*net\\.core\\.bpf_jit_harden 0 → 1`,
      ),
    );
    expect(same(readSettings(), before)).toBe(true);
    expect(existsSync(HOST_JOURNAL)).toBe(false);
  });
});

/** The parent pid of `pid` (the reaper is spawned by the runner, detached, so its parent is the runner). */
function parentOf(pid: number): number {
  const stat = procText(`/proc/${pid}/stat`);
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** A /proc file, or '' when its process has gone meanwhile. */
function procText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
