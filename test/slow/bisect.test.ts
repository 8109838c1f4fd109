// `tailmatrix bisect` end to end on a real kernel history: seven commits on Debian's linux-source-6.1
// (test/slow/linux-6.1-history.ts), one of which stops the verifier from recording tail-call poke
// descriptors (constant-key tail calls become indirect jumps: the "direct" figure rises to the
// indirect one) and one of which does not compile. Real builds (incremental, ccache), real TCG boots.
// The run is interrupted after its first measurement and resumed, as a user's Ctrl-C would be. Then the
// `git bisect run` line of docs/bisect.md runs verbatim in the same tree and must name the same commit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOG_FILE } from '../../src/bisect/run-bisect.js';
import { STATE_FILE, type BisectState } from '../../src/bisect/state.js';
import { execa } from 'execa';
import { startCli } from '../support/run-cli.js';
import { documentedBisectRun, PREFIX_VARIABLE, projectWithTailmatrix, THRESHOLD_VARIABLE } from '../support/documented-bisect.js';
import { ensureLinux61History, type History } from './linux-6.1-history.js';

/** A cold build competes with whatever else runs on 2 cores; the bisection itself builds incrementally. */
const TIMEOUT_MS = 3 * 60 * 60_000;
/** Small enough for a few TCG boots per step, deep enough for a slope (as build-linux-6.1.test.ts). */
const MATRIX = {
  // The matrix needs a kernel; bisect builds its own and never fetches this one.
  kernels: [{ id: '6.1-cloud', source: { type: 'debian', suite: 'bookworm', package: 'linux-image-cloud-amd64' } }],
  boots: [{ name: 'retpoline', cmdline: 'spectre_v2=retpoline,generic' }],
  benchmarks: [
    { name: 'test-run', type: 'test-run', params: { maxDepth: 16, samples: 3, repeat: 2000, variants: ['direct', 'indirect'] } },
  ],
  runner: { backend: 'qemu', accel: 'tcg', cpus: 1, memoryMiB: 512, timeoutSec: 900 },
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });

/** What "the user's tree is unchanged" means: status, HEAD, every ref, and no bisect state. */
function treeSnapshot(dir: string): string {
  return (
    [
      git(dir, 'status', '--porcelain=v1', '--ignored'),
      git(dir, 'rev-parse', 'HEAD'),
      git(dir, 'for-each-ref'),
      git(dir, 'rev-parse', '--git-path', 'BISECT_LOG'),
    ].join('\n---\n') + String(readFileSync(path.join(dir, '.git', 'HEAD'), 'utf8'))
  );
}

function sha(h: History, label: string): string {
  const c = h.commits.find((x) => x.label === label);
  if (c === undefined) throw new Error(`no ${label} commit`);
  return c.sha;
}

describe('tailmatrix bisect on a linux-source-6.1 history', () => {
  it(
    'names the no-poke commit, skips the broken one, within ceil(log2 n) + 2 builds, resumable, replayable, user tree untouched',
    async () => {
      const h = await ensureLinux61History();
      const before = treeSnapshot(h.dir);
      const work = mkdtempSync(path.join(os.tmpdir(), 'tailmatrix-bisect-slow-'));
      dirs.push(work);
      const matrixFile = path.join(work, 'matrix.json');
      writeFileSync(matrixFile, JSON.stringify(MATRIX));
      const good = h.commits[0]!.sha;
      const bad = h.commits[h.commits.length - 1]!.sha;
      const args = [
        'bisect',
        '--tree',
        h.dir,
        '--good',
        good,
        '--bad',
        bad,
        '--metric',
        'direct',
        '--matrix',
        matrixFile,
        '--results',
        path.join(work, 'results'),
        '--verbose',
      ];

      // Ctrl-C once the first figure is in: the state file keeps it.
      const first = startCli(args);
      let interruptedAfterRun = false;
      first.all?.on('data', (chunk: Buffer) => {
        process.stdout.write(chunk);
        if (!interruptedAfterRun && /run 1: /.test(chunk.toString())) {
          interruptedAfterRun = true;
          first.kill('SIGINT');
        }
      });
      const r1 = await first;
      expect(interruptedAfterRun, r1.all).toBe(true);
      expect(r1.exitCode, r1.all).toBe(130);
      const bisectDir = path.join(work, 'results', `bisect-${good.slice(0, 12)}-${bad.slice(0, 12)}-direct`);
      const kept = JSON.parse(readFileSync(path.join(bisectDir, STATE_FILE), 'utf8')) as BisectState;
      expect(kept.steps[0]?.runs.length).toBeGreaterThanOrEqual(1);

      const t0 = Date.now();
      const second = startCli([...args, '--resume']);
      second.all?.on('data', (chunk: Buffer) => process.stdout.write(chunk));
      const r2 = await second;
      const resumedMs = Date.now() - t0;
      expect(r2.exitCode, r2.all).toBe(0);
      const noPoke = sha(h, 'no-poke');
      expect(r2.stdout).toContain(`${noPoke} is the first bad commit`);
      expect(r2.stdout).toContain('bpf: verifier: stop recording tail call poke descriptors');

      const state = JSON.parse(readFileSync(path.join(bisectDir, STATE_FILE), 'utf8')) as BisectState;
      // The measurement taken before Ctrl-C was kept, not taken again.
      expect(state.steps[0]?.runs[0]).toEqual(kept.steps[0]?.runs[0]);
      const broken = state.steps.find((s) => s.commit.sha === sha(h, 'broken'));
      expect(broken?.verdict).toBe('skip');
      expect(broken?.reason).toMatch(/build failed/);
      const n = state.commits.length;
      expect(n).toBe(6);
      expect(state.steps.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)) + 2);
      expect(state.steps.find((s) => s.commit.sha === noPoke)?.verdict).toBe('bad');

      // git agrees: the log replays in a clone and names the same commit.
      const clone = path.join(work, 'clone');
      git(work, 'clone', '-q', '--shared', '--no-checkout', h.dir, clone);
      const replay = git(clone, 'bisect', 'replay', path.join(bisectDir, LOG_FILE));
      expect(replay).toContain(`${noPoke} is the first bad commit`);

      expect(treeSnapshot(h.dir)).toBe(before);

      const report = readFileSync(path.join(bisectDir, 'report.md'), 'utf8');
      expect(report).toContain(`First bad commit: ${noPoke}`);
      expect(report).toMatch(/\| skip \|/);
      expect(readFileSync(path.join(bisectDir, 'report.html'), 'utf8')).toContain('<svg');
      console.log(`[bisect] resumed run: ${(resumedMs / 1000).toFixed(0)} s; steps (wall = build + runs):`);
      for (const s of state.steps) {
        const b =
          s.build === undefined
            ? (s.reason ?? 'no build').slice(0, 60)
            : s.build.cached
              ? 'cache hit'
              : `built in ${(s.build.totalMs / 1000).toFixed(0)} s (make ${((s.build.compileMs ?? 0) / 1000).toFixed(0)} s)`;
        console.log(
          `[bisect] ${s.commit.sha.slice(0, 12)} ${s.role} ${s.verdict ?? '?'}: ${b}, ${s.runs.length} run(s) ${s.runs.map((r) => `${(r.wallMs / 1000).toFixed(0)} s`).join(' ')}, step ${(s.wallMs / 1000).toFixed(0)} s`,
        );
      }
      console.log(report);

      // docs/bisect.md's own `git bisect run` line, verbatim, from the tree (no matrix.json there: the built-in
      // default), through a project folder with tailmatrix installed, the threshold midway between the ends'
      // figures as the page says to pick it. git names the same commit; the broken one is skipped (125).
      const ends = state.steps.filter((s) => s.role === 'good-end' || s.role === 'bad-end').map((s) => s.runs[0]?.value);
      expect(
        ends.every((v) => v !== undefined),
        JSON.stringify(state.steps.map((s) => s.role)),
      ).toBe(true);
      const threshold = ((ends[0] as number) + (ends[1] as number)) / 2;
      const prefix = projectWithTailmatrix(path.join(work, 'project'));
      git(h.dir, 'bisect', 'start', bad, good);
      const documented = await execa('bash', ['-c', documentedBisectRun()], {
        cwd: h.dir,
        env: { [PREFIX_VARIABLE]: prefix, [THRESHOLD_VARIABLE]: String(threshold), CI: 'true' },
        reject: false,
        all: true,
      }).finally(() => git(h.dir, 'bisect', 'reset'));
      console.log(documented.all);
      expect(documented.exitCode, documented.all).toBe(0);
      expect(documented.stdout).toContain(`${noPoke} is the first bad commit`);
      expect(documented.all).toContain('no --matrix and no matrix.json here: the built-in default');
      expect(documented.all).toMatch(/skip: .*build failed/);
      expect(treeSnapshot(h.dir)).toBe(before);
    },
    TIMEOUT_MS,
  );
});
