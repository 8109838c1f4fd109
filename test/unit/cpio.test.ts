import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withParents, writeNewc, type CpioEntry } from '../../src/guest/cpio.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const entries: CpioEntry[] = withParents([
  { type: 'file', path: 'bin/busybox', data: new TextEncoder().encode('#!/bin/sh\necho hi\n'), mode: 0o755 },
  { type: 'symlink', path: 'bin/sh', target: 'busybox' },
  { type: 'file', path: 'tailmatrix/bpf/a.bpf.o', data: new Uint8Array([1, 2, 3]) },
  { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
]);

describe('writeNewc', () => {
  it('writes an archive that GNU cpio lists and extracts with the same contents', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cpio-test-'));
    dirs.push(dir);
    const archive = path.join(dir, 'a.cpio');
    writeFileSync(archive, writeNewc(entries));
    const listing = execFileSync('cpio', ['-it', '--quiet', '-F', archive], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual([
      'bin',
      'bin/busybox',
      'bin/sh',
      'tailmatrix',
      'tailmatrix/bpf',
      'tailmatrix/bpf/a.bpf.o',
      'dev',
      'dev/console',
    ]);
    const verbose = execFileSync('cpio', ['-itv', '--quiet', '-F', archive], { encoding: 'utf8' });
    expect(verbose).toMatch(/^crw-------.*5,\s+1.*dev\/console$/m);
    const out = path.join(dir, 'x');
    // Without root, cpio cannot mknod the console; extract everything else.
    execFileSync('sh', [
      '-c',
      `mkdir ${out} && cd ${out} && cpio -id --quiet --no-absolute-filenames -F ${archive} 'bin/*' 'tailmatrix/*'`,
    ]);
    expect(readFileSync(path.join(out, 'bin/busybox'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(statSync(path.join(out, 'bin/busybox')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(path.join(out, 'bin/sh'))).toBe('busybox');
    expect([...readFileSync(path.join(out, 'tailmatrix/bpf/a.bpf.o'))]).toEqual([1, 2, 3]);
  });

  it('pads every header+name and every body to 4 bytes and ends with the trailer', () => {
    const bytes = writeNewc([{ type: 'file', path: 'ab', data: new Uint8Array([9]) }]);
    const text = new TextDecoder('latin1').decode(bytes);
    expect(text.startsWith('070701')).toBe(true);
    // 110-byte header + "ab\0" = 113 → 116; body 1 → 4; then the trailer header + "TRAILER!!!\0" (121 → 124).
    expect(bytes.length).toBe(116 + 4 + 124);
    expect(text.slice(116, 117)).toBe('\u0009');
    expect(text.slice(120, 126)).toBe('070701');
    expect(text).toContain('TRAILER!!!');
    const filesize = parseInt(text.slice(6 + 6 * 8, 6 + 7 * 8), 16);
    expect(filesize).toBe(1);
  });

  it('gives identical bytes for identical inputs (the cache key depends on it)', () => {
    expect(Buffer.from(writeNewc(entries)).equals(Buffer.from(writeNewc(entries)))).toBe(true);
  });

  it('refuses paths that climb out of the archive', () => {
    expect(() => writeNewc([{ type: 'dir', path: '../etc' }])).toThrow(/bad cpio path/);
  });
});
