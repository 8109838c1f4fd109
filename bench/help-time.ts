// `tailmatrix --help` and `tailmatrix run --help` wall time against bare node, and against an earlier build when one is given:
//   npm run build && npx tsx bench/help-time.ts [--before <dir holding bin/tailmatrix.js>] [--runs N]
// (e.g. the dist of `git stash` or main, copied with bin/ and package.json next to this node_modules).
// Each candidate runs N times, interleaved so machine load falls on all alike; the median is what counts.
// Load on a shared machine inflates every column alike: compare columns within one printout, not across runs.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../src/util/paths.js';

const { values } = parseArgs({ options: { before: { type: 'string' }, runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);

const candidates: { name: string; args: string[] }[] = [
  { name: 'bare node (node -e 0)', args: ['-e', '0'] },
  ...(values.before ? [{ name: `before (${values.before})`, args: [path.join(values.before, 'bin/tailmatrix.js'), '--help'] }] : []),
  { name: 'now (bin/tailmatrix.js)', args: [path.join(PACKAGE_ROOT, 'bin/tailmatrix.js'), '--help'] },
  // The command with the most options: its definitions load, its action (the engine) does not.
  { name: 'now, run --help', args: [path.join(PACKAGE_ROOT, 'bin/tailmatrix.js'), 'run', '--help'] },
];

const times = new Map(candidates.map((c) => [c.name, [] as number[]]));
for (let i = 0; i < runs; i++) {
  for (const c of candidates) {
    const t0 = process.hrtime.bigint();
    execFileSync(process.execPath, c.args, { stdio: 'ignore' });
    times.get(c.name)!.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bare = median(times.get(candidates[0]!.name)!);
console.log(`--help wall time, median of ${runs} runs (ms; min–max), node ${process.version}`);
for (const c of candidates) {
  const xs = times.get(c.name)!;
  const m = median(xs);
  console.log(
    `${c.name.padEnd(48)} ${m.toFixed(0).padStart(6)} ms  (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})  +${(m - bare).toFixed(0)} ms over bare node`,
  );
}
