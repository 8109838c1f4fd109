// After the whole suite: no `tailmatrix-*` folder the suite made is left in the temp dir, and no QEMU
// it started still runs. The suite gets a temp dir of its own (TMPDIR, inherited by every worker and
// child), so other users of this machine cannot be mistaken for it; its QEMUs are told apart by an
// environment marker every child inherits (the CLI, QEMU, vng).
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

const MARKER = 'TAILMATRIX_TEST_SUITE';

/** Processes (pid and command line) that carry this suite's marker in their environment. */
function suiteProcesses(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    if (Number(pid) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${MARKER}=${marker}`)) continue;
      found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim()}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

export default function setup(): () => Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tm-suite-'));
  // Traversable like /tmp itself: some tests run the CLI as an unprivileged user (nobody) in folders here.
  chmodSync(tmp, 0o755);
  const marker = randomBytes(6).toString('hex');
  process.env.TMPDIR = tmp;
  process.env[MARKER] = marker;
  return async () => {
    // Children killed at the very end may need a moment to be reaped.
    let qemus: string[] = [];
    for (let i = 0; i < 20; i++) {
      qemus = suiteProcesses(marker).filter((p) => /qemu-system/.test(p));
      if (qemus.length === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const left = readdirSync(tmp).filter((n) => n.startsWith('tailmatrix-'));
    rmSync(tmp, { recursive: true, force: true });
    const problems = [
      ...(left.length > 0 ? [`the suite left ${left.length} tailmatrix-* folder(s) in its temp dir: ${left.join(', ')}`] : []),
      ...(qemus.length > 0 ? [`QEMU processes of the suite still run: ${qemus.join('; ')}`] : []),
    ];
    if (problems.length === 0) return;
    // vitest reports an error thrown here but still exits 0: fail the run explicitly.
    process.stderr.write(`\nsuite leftovers:\n${problems.join('\n')}\n`);
    process.exitCode = 1;
    throw new Error(problems.join('\n'));
  };
}
