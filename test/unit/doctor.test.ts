import { mkdtemp, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKS, findProgram, formatResults, runChecks, type Check } from '../../src/cli/commands/doctor.js';

describe('doctor', () => {
  it('covers every tool the later steps need', () => {
    const names = CHECKS.map((c) => c.name);
    for (const n of [
      'qemu-system-x86_64',
      'clang',
      'llc',
      'llvm-strip',
      'libbpf (static)',
      'libelf (static)',
      'zlib (static)',
      'libzstd (static)',
      'busybox (static)',
      'gpgv',
      'Debian archive keyring',
      'xz',
      'zstd',
      'cpio',
      'vng (virtme-ng)',
      'virtiofsd',
      'udevadm',
      'iperf3',
      'make',
      'gcc',
      'bison',
      'flex',
      'bc',
      'ccache',
      'chromium',
    ]) {
      expect(names).toContain(n);
    }
    for (const c of CHECKS) expect(c.fix).not.toBe('');
  });

  it('finds programs on PATH, reports versions, and says how to get what is missing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tm-doctor-'));
    const tool = path.join(dir, 'fake-tool');
    await writeFile(tool, '#!/bin/sh\necho "fake-tool 1.2.3"\n');
    await chmod(tool, 0o755);
    const env = { PATH: dir };
    expect(await findProgram('fake-tool', env)).toBe(tool);
    const checks: Check[] = [
      { name: 'fake-tool', program: 'fake-tool', for: 'testing', required: true, fix: 'make one' },
      { name: 'absent', program: 'definitely-not-installed-tm', for: 'nothing', required: true, fix: 'apt-get install absent' },
      { name: 'optional file', file: path.join(dir, 'nope.a'), for: 'extras', required: false, fix: 'apt-get install nope-dev' },
    ];
    const results = await runChecks(checks, env);
    expect(results.map((r) => [r.check.name, r.found, r.version])).toEqual([
      ['fake-tool', tool, 'fake-tool 1.2.3'],
      ['absent', undefined, undefined],
      ['optional file', undefined, undefined],
    ]);
    const text = formatResults(results).split('\n');
    expect(text[0]).toBe(`found    fake-tool      ${tool}  (fake-tool 1.2.3)`);
    expect(text[1]).toBe('MISSING  absent         needed for nothing; get it: apt-get install absent');
    expect(text[2]).toBe('missing  optional file  needed for extras; get it: apt-get install nope-dev [optional]');
  });
});
