// `--kernel PATH` reads the image's header: an x86 bzImage (boot protocol version, kernel version string) is
// accepted and described; a vmlinux, an arm64 Image, gzip data or anything else is refused saying what it is.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imageFormat } from '../../src/kernels/image-format.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tailmatrix-image-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** The setup header as the x86 boot protocol lays it out (Documentation/arch/x86/boot.rst). */
function bzImage(protocol: number, version?: string): Buffer {
  const b = Buffer.alloc(0x4000);
  b.writeUInt16LE(0xaa55, 0x1fe);
  b.write('HdrS', 0x202, 'latin1');
  b.writeUInt16LE(protocol, 0x206);
  if (version !== undefined) {
    b.writeUInt16LE(0x3000 - 0x200, 0x20e);
    b.write(`${version}\0`, 0x3000, 'latin1');
  }
  return b;
}

describe('kernel image format', () => {
  it('an x86 bzImage: protocol version and the kernel version string', async () => {
    const r = await imageFormat(file('bzImage', bzImage(0x020f, '6.1.0-tm (tm@host) #1 SMP')));
    expect(r).toEqual({
      ok: true,
      value: {
        description: 'x86 bzImage, boot protocol 2.15, 6.1.0-tm (tm@host) #1 SMP',
        protocol: '2.15',
        version: '6.1.0-tm (tm@host) #1 SMP',
      },
    });
    const noVersion = await imageFormat(file('old', bzImage(0x0205)));
    expect(noVersion.ok && noVersion.value.description).toBe('x86 bzImage, boot protocol 2.05');
  });

  it('anything else is refused, naming what it looks like', async () => {
    const elf = Buffer.alloc(0x400);
    elf.write('\x7fELF', 0, 'latin1');
    const arm = Buffer.alloc(0x400);
    arm.write('ARM\x64', 0x38, 'latin1');
    const bootSector = Buffer.alloc(0x400);
    bootSector.writeUInt16LE(0xaa55, 0x1fe);
    const cases: [string, Buffer, RegExp][] = [
      ['vmlinux', elf, /vmlinux is not an x86 bzImage: an ELF file \(vmlinux\?\): boot arch\/x86\/boot\/bzImage instead$/],
      ['Image', arm, /Image is not an x86 bzImage: an arm64 Image/],
      ['vmlinux.gz', Buffer.from([0x1f, 0x8b, 8, 0]), /gzip data/],
      ['sector', bootSector, /a boot sector without the "HdrS" setup header/],
      ['.config', Buffer.from('CONFIG_BPF=y\n'), /\.config is not an x86 bzImage: no x86 boot header \("HdrS" at 0x202; 13 bytes read\)$/],
    ];
    for (const [name, bytes, message] of cases) {
      const r = await imageFormat(file(name, bytes));
      expect(r.ok, name).toBe(false);
      expect(!r.ok && r.error, name).toMatch(message);
    }
    expect(await imageFormat(path.join(dir, 'missing'))).toEqual({ ok: false, error: `cannot read ${path.join(dir, 'missing')} (ENOENT)` });
  });
});
