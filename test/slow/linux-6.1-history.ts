// A local git history on Debian's linux-source-6.1 for the bisect slow test: seven commits, one that
// makes constant-key tail calls indirect (the no-poke patch), one that does not compile (a syntax
// error in kernel/bpf/syscall.c, which the minimal config builds) and its fix. The commits are made
// with a fixed identity and dates, so the same history gets the same hashes on every machine and
// every run: the build cache (keyed by commit) and the bisect work tree (keyed by the repository's
// path, which is fixed too) stay warm between runs.
//
// `npx tsx test/slow/linux-6.1-history.ts` creates it and builds the good end (the one cold build).
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KernelCache } from '../../src/kernels/cache.js';
import { buildFromSource, treeKernel } from '../../src/kernels/from-source/index.js';
import { git } from '../../src/kernels/from-source/git.js';
import { resolveLinuxSource } from '../../src/kernels/debian/linux-source.js';
import { materializeSource } from '../../src/kernels/from-source/materialize-source.js';
import type { BuildSource } from '../../src/matrix/schema.js';
import { cacheRoot } from '../../src/util/paths.js';
import { NO_POKE_PATCH, printEvents } from './linux-6.1.js';

export const HISTORY_DIR = path.join(cacheRoot(), 'test-trees', 'linux-6.1-bisect-history');
const BROKEN_FILE = 'kernel/bpf/syscall.c';

export interface HistoryCommit {
  label: 'base' | 'docs' | 'comment' | 'broken' | 'fix' | 'no-poke' | 'readme';
  sha: string;
  subject: string;
}

export interface History {
  dir: string;
  /** Oldest first; the first is the good end, the last the bad end. */
  commits: HistoryCommit[];
}

const ENV = (n: number): NodeJS.ProcessEnv => {
  const date = `2026-01-0${n + 1}T12:00:00Z`;
  return {
    ...process.env,
    GIT_AUTHOR_NAME: 'Tail Matrix',
    GIT_AUTHOR_EMAIL: 'tailmatrix@localhost',
    GIT_COMMITTER_NAME: 'Tail Matrix',
    GIT_COMMITTER_EMAIL: 'tailmatrix@localhost',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
};

async function gitOrThrow(dir: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  const r = await git(dir, args, opts);
  if (!r.ok) throw new Error(`git ${args.join(' ')} in ${dir}: ${r.error.message}`);
  return r.value.stdout.trim();
}

type Step = { label: HistoryCommit['label']; subject: string; change: (dir: string) => Promise<void> };

const STEPS: Step[] = [
  { label: 'base', subject: 'Linux 6.1 (Debian linux-source-6.1)', change: async () => undefined },
  {
    label: 'docs',
    subject: 'Documentation/bpf: note on tail call costs',
    change: (d) =>
      appendFile(path.join(d, 'Documentation/bpf/index.rst'), '\n.. tail calls with a constant key are direct jumps on x86-64\n'),
  },
  {
    label: 'comment',
    subject: 'bpf: comment on the interpreter',
    change: (d) => appendFile(path.join(d, 'kernel/bpf/core.c'), '\n/* tailmatrix bisect test: a harmless comment */\n'),
  },
  {
    label: 'broken',
    subject: 'bpf: syscall: work in progress (does not compile)',
    change: (d) => appendFile(path.join(d, BROKEN_FILE), '\nstatic int tailmatrix_broken(void) { return 0 }\n'),
  },
  {
    label: 'fix',
    subject: 'bpf: syscall: fix the build',
    change: async (d) => {
      const f = path.join(d, BROKEN_FILE);
      const text = await readFile(f, 'utf8');
      await writeFile(f, text.replace('\nstatic int tailmatrix_broken(void) { return 0 }\n', ''));
    },
  },
  {
    label: 'no-poke',
    subject: 'bpf: verifier: stop recording tail call poke descriptors',
    change: async (d) => {
      await gitOrThrow(d, ['apply', '--whitespace=nowarn', NO_POKE_PATCH]);
    },
  },
  {
    label: 'readme',
    subject: 'README: mention tail calls',
    change: (d) => appendFile(path.join(d, 'README'), '\nSee also: eBPF tail calls.\n'),
  },
];

async function readHistory(dir: string): Promise<History | undefined> {
  if (!existsSync(path.join(dir, '.git'))) return undefined;
  const r = await git(dir, ['log', '--reverse', '--format=%H %s', 'main']);
  if (!r.ok) return undefined;
  const lines = r.value.stdout.trim().split('\n');
  if (lines.length !== STEPS.length) return undefined;
  const commits = lines.map((l, i) => ({ label: STEPS[i]!.label, sha: l.slice(0, 40), subject: l.slice(41) }));
  return commits.every((c, i) => c.subject === STEPS[i]!.subject) ? { dir, commits } : undefined;
}

/** The history, created once (about a minute: download or cache hit, unpack, commit 80k files). */
export async function ensureLinux61History(dir = HISTORY_DIR): Promise<History> {
  const have = await readHistory(dir);
  if (have !== undefined) return have;
  const tmp = `${dir}.partial`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const cache = KernelCache.fromEnv();
  const deb = await resolveLinuxSource(
    { suite: 'bookworm', package: 'linux-source-6.1' },
    { cache, signal: new AbortController().signal, onBytes: () => undefined },
  );
  if (!deb.ok) throw new Error(`linux-source-6.1: ${typeof deb.error === 'string' ? deb.error : deb.error.message}`);
  const m = await materializeSource({ kind: 'deb', ...deb.value }, tmp, { cache });
  if (!m.ok) throw new Error(m.error);
  await gitOrThrow(tmp, ['init', '-q', '-b', 'main']);
  for (const [i, step] of STEPS.entries()) {
    await step.change(tmp);
    // Debian's .gitignore ignores everything at the top level: add with -f.
    await gitOrThrow(tmp, ['add', '-f', '-A', '.']);
    await gitOrThrow(tmp, ['commit', '-q', '--no-verify', '-m', step.subject], { env: ENV(i) });
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.dirname(dir), { recursive: true });
  await rename(tmp, dir);
  const made = await readHistory(dir);
  if (made === undefined) throw new Error(`${dir}: the history just made does not read back`);
  return made;
}

/** The build the bisection makes of one commit: the same inputs, so the same cache entry. */
export function historySource(h: History, sha: string): BuildSource {
  return treeKernel({ tree: h.dir, ref: sha }).source as BuildSource;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const h = await ensureLinux61History();
  for (const c of h.commits) console.log(`${c.sha.slice(0, 12)} ${c.label}: ${c.subject}`);
  const t0 = Date.now();
  const r = await buildFromSource({
    id: 'history-base',
    source: historySource(h, h.commits[0]!.sha),
    onEvent: printEvents('history-base'),
  });
  if (!r.ok) throw new Error(typeof r.error === 'string' ? r.error : r.error.message);
  console.log(
    `base built (${r.value.cached ? 'cache hit' : 'cold'}) in ${((Date.now() - t0) / 1000).toFixed(0)} s, make ${((r.value.compileMs ?? 0) / 1000).toFixed(0)} s`,
  );
}
