// What a kernel image file is, read from its header, for `--kernel PATH`: QEMU's -kernel boots an x86 bzImage
// and says little when given anything else (a vmlinux ELF, an arm64 Image, a .config by mistake). The x86
// boot protocol (Documentation/arch/x86/boot.rst): 0x55AA at 0x1FE, "HdrS" at 0x202, the protocol version
// at 0x206, and at 0x20E the offset (minus 0x200) of the kernel version string.
import { open } from 'node:fs/promises';
import { err, ok, type Result } from '../util/result.js';

/** Enough for the setup header and the version string, which sits in the setup sectors. */
const HEAD_BYTES = 64 * 1024;

interface ImageFormat {
  /** e.g. "x86 bzImage, boot protocol 2.15, 6.1.0 (user@host) #1 SMP …" */
  description: string;
  protocol: string;
  version?: string;
}

/** The NUL-ended C string at `at` in the header (at most 256 bytes); the version string's first word is the release. */
function cString(buf: Buffer, at: number): string | undefined {
  if (at <= 0 || at >= buf.length) return undefined;
  const end = buf.indexOf(0, at);
  const s = buf.subarray(at, end < 0 ? Math.min(buf.length, at + 256) : end).toString('latin1');
  return /^[\x20-\x7e]+$/.test(s) ? s : undefined;
}

/** What the bytes look like when they are not a bzImage: said in the error, with what to use instead. */
function notBzImage(b: Buffer): string {
  if (b.length >= 4 && b.subarray(0, 4).toString('latin1') === '\x7fELF') return 'an ELF file (vmlinux?): boot arch/x86/boot/bzImage instead';
  if (b.length >= 0x3c && b.subarray(0x38, 0x3c).toString('latin1') === 'ARM\x64') return 'an arm64 Image: only x86-64 kernels boot here';
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip data (a compressed vmlinux or a package?): boot the bzImage itself';
  if (b.length >= 0x200 && b.readUInt16LE(0x1fe) === 0xaa55) return 'a boot sector without the "HdrS" setup header (a pre-2.0 or non-Linux image)';
  return `no x86 boot header ("HdrS" at 0x202; ${b.length} bytes read)`;
}

/** The image's format: ok for an x86 bzImage (boot protocol ≥ 2.0), else what the file looks like. */
export async function imageFormat(file: string): Promise<Result<ImageFormat, string>> {
  const fh = await open(file, 'r').catch((e: NodeJS.ErrnoException) => e);
  if (fh instanceof Error) return err(`cannot read ${file} (${fh.code ?? fh.message})`);
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    const b = buf.subarray(0, bytesRead);
    if (b.length < 0x210 || b.subarray(0x202, 0x206).toString('latin1') !== 'HdrS') return err(`${file} is not an x86 bzImage: ${notBzImage(b)}`);
    const v = b.readUInt16LE(0x206);
    const protocol = `${v >> 8}.${String(v & 0xff).padStart(2, '0')}`;
    const versionAt = b.readUInt16LE(0x20e);
    const version = versionAt !== 0 ? cString(b, versionAt + 0x200) : undefined;
    return ok({ description: `x86 bzImage, boot protocol ${protocol}${version !== undefined ? `, ${version}` : ''}`, protocol, version });
  } finally {
    await fh.close();
  }
}
