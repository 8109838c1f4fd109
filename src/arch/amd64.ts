// x86-64 guests: the architecture tailmatrix started with. Every value here is what the code hard-coded
// before the profile existed, so x86 cells run exactly as they did.
import { err, ok, type Result } from '../util/result.js';
import type { ArchProfile, ImageFormat } from './types.js';

/** The NUL-ended C string at `at` in the header (at most 256 bytes); the version string's first word is the release. */
function cString(buf: Buffer, at: number): string | undefined {
  if (at <= 0 || at >= buf.length) return undefined;
  const end = buf.indexOf(0, at);
  const s = buf.subarray(at, end < 0 ? Math.min(buf.length, at + 256) : end).toString('latin1');
  return /^[\x20-\x7e]+$/.test(s) ? s : undefined;
}

/** What the bytes look like when they are not a bzImage: said in the error, with what to use instead. */
function notBzImage(b: Buffer): string {
  if (b.length >= 4 && b.subarray(0, 4).toString('latin1') === '\x7fELF')
    return 'an ELF file (vmlinux?): boot arch/x86/boot/bzImage instead';
  if (b.length >= 0x3c && b.subarray(0x38, 0x3c).toString('latin1') === 'ARM\x64')
    return 'an arm64 Image: give the kernel `"arch": "arm64"` (run: `--arch arm64`) to boot it';
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b)
    return 'gzip data (a compressed vmlinux, an arm64 vmlinuz or a package?): boot the bzImage itself';
  if (b.length >= 0x200 && b.readUInt16LE(0x1fe) === 0xaa55)
    return 'a boot sector without the "HdrS" setup header (a pre-2.0 or non-Linux image)';
  return `no x86 boot header ("HdrS" at 0x202; ${b.length} bytes read)`;
}

/**
 * The x86 boot protocol (Documentation/arch/x86/boot.rst): 0x55AA at 0x1FE, "HdrS" at 0x202, the protocol
 * version at 0x206, and at 0x20E the offset (minus 0x200) of the kernel version string.
 */
function bzImageFormat(b: Buffer): Result<ImageFormat, string> {
  if (b.length < 0x210 || b.subarray(0x202, 0x206).toString('latin1') !== 'HdrS') return err(`not an x86 bzImage: ${notBzImage(b)}`);
  const v = b.readUInt16LE(0x206);
  const protocol = `${v >> 8}.${String(v & 0xff).padStart(2, '0')}`;
  const versionAt = b.readUInt16LE(0x20e);
  const version = versionAt !== 0 ? cString(b, versionAt + 0x200) : undefined;
  return ok({ description: `x86 bzImage, boot protocol ${protocol}${version !== undefined ? `, ${version}` : ''}`, protocol, version });
}

export const amd64: ArchProfile = {
  arch: 'amd64',
  machine: 'x86_64',
  nodeArch: 'x64',
  qemu: { binary: 'qemu-system-x86_64', package: 'qemu-system-x86', machine: 'q35', tcgCpu: 'max' },
  console: 'ttyS0',
  agentPort: {
    guestDevice: '/dev/ttyS1',
    // A second port even when unused keeps ttyS1 present, so a stray agent write cannot reach ttyS0.
    qemuArgs: (file) => ['-serial', file !== undefined ? `file:${file}` : 'null'],
    modules: [],
  },
  kernelImage: {
    names: ['boot/vmlinuz', 'boot/bzImage', 'vmlinuz', 'bzImage', 'arch/x86/boot/bzImage'],
    what: 'an x86 bzImage',
    check: bzImageFormat,
  },
  debianArch: 'amd64',
  ociArch: 'amd64',
  kbuild: { arch: 'x86_64', srcarch: 'x86', image: 'arch/x86/boot/bzImage', crossCompile: 'x86_64-linux-gnu-' },
  jitDecoder: 'x86',
  agent: { makeArch: 'amd64', triplet: 'x86_64-linux-gnu', crossPackage: 'gcc-x86-64-linux-gnu' },
  busybox: '/bin/busybox',
};
