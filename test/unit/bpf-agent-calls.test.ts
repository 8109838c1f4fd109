// The agent's C files (bpf/, listed by the Makefile's AGENT_SRCS), compiled one by one with the real gcc and
// read back with nm: which file defines a function another one calls. No two files may call each other
// (the helpers both need live below them, in util.c), and each benchmark file exports only its table entry
// and what another file of the agent really uses.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { execOrThrow } from '../../src/util/exec.js';

const BPF = path.join(PACKAGE_ROOT, 'bpf');
let build: string;
const defined = new Map<string, string>();
const uses = new Map<string, Set<string>>();

beforeAll(async () => {
  build = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-test-agent-calls-'));
  const makefile = await readFile(path.join(BPF, 'Makefile'), 'utf8');
  const srcs = /^AGENT_SRCS := (.*)$/m.exec(makefile)?.[1]?.trim().split(/\s+/) ?? [];
  if (srcs.length < 10) throw new Error(`bpf/Makefile: AGENT_SRCS not found or short: ${srcs.join(' ')}`);
  for (const src of srcs) {
    const obj = path.join(build, src.replace(/\.c$/, '.o'));
    await execOrThrow('gcc', ['-O2', '-c', '-o', obj, path.join(BPF, src)]);
    const nm = (await execOrThrow('nm', [obj])).stdout;
    const used = new Set<string>();
    for (const line of nm.split('\n')) {
      const m = /^\s*(?:[0-9a-f]+)?\s+([A-Za-z])\s+(\S+)$/.exec(line);
      if (!m) continue;
      if (m[1] === 'U') used.add(m[2]!);
      else if (/[TDBR]/.test(m[1]!)) defined.set(m[2]!, src);
    }
    uses.set(src, used);
  }
}, 120_000);

afterAll(async () => {
  if (build) await rm(build, { recursive: true, force: true });
});

/** file -> the agent files whose symbols it uses. */
function callGraph(): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const [src, used] of uses) {
    const to = new Set<string>();
    for (const sym of used) {
      const owner = defined.get(sym);
      if (owner && owner !== src) to.add(owner);
    }
    g.set(src, to);
  }
  return g;
}

describe('the agent C files (gcc + nm)', () => {
  it('no two files call each other', () => {
    const g = callGraph();
    const pairs: string[] = [];
    for (const [a, to] of g) for (const b of to) if (a < b && g.get(b)?.has(a)) pairs.push(`${a} <-> ${b}`);
    expect(pairs).toEqual([]);
    // The files that were a pair before util.c: each now leans on util.c, one way.
    expect(g.get('sysctls.c')?.has('util.c')).toBe(true);
    expect(g.get('traffic.c')?.has('util.c')).toBe(true);
    expect(g.get('agent.c')?.has('traffic.c')).toBe(false);
  });

  it('dispatches through one table: agent.c reaches the benchmarks only through bench.c', () => {
    const g = callGraph();
    // Each benchmark's entry point is its file's own (static): only its `struct bench` is exported.
    for (const run of ['run_variants', 'run_traffic', 'run_strategies']) expect(defined.get(run)).toBeUndefined();
    expect(defined.get('bench_test_run')).toBe('sweep.c');
    expect(defined.get('bench_traffic')).toBe('traffic.c');
    expect(defined.get('bench_strategies')).toBe('strategies.c');
    expect(g.get('agent.c')?.has('bench.c')).toBe(true);
    expect([...(g.get('bench.c') ?? [])].sort()).toEqual(['strategies.c', 'sweep.c', 'traffic.c']);
  });
});
