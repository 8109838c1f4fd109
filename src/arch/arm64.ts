// arm64 (AArch64) guests: QEMU's `virt` board. Its one PL011 UART (ttyAMA0) is the console; the agent's
// records leave through a virtio console (hvc0), since QEMU's virt board has no second UART the guest
// can use. Debian's arm64 vmlinuz is a gzip-compressed Image, which QEMU's -kernel unpacks itself.
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { err, ok, type Result } from '../util/result.js';
import type { ArchProfile, ImageFormat } from './types.js';

/** Documentation/arch/arm64/booting.rst: the 64-byte header, "ARM\x64" at offset 56, image_size at 16, flags at 24. */
const MAGIC_AT = 56;
const MAGIC = 'ARM\x64';

function isArm64Image(b: Buffer): boolean {
  return b.length >= MAGIC_AT + 4 && b.subarray(MAGIC_AT, MAGIC_AT + 4).toString('latin1') === MAGIC;
}

/** As much of a gzip stream's start as `head` holds, decompressed (a truncated stream is expected). */
function gunzipHead(head: Buffer): Buffer | undefined {
  try {
    return gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return undefined;
  }
}

function describe(b: Buffer, packing: string): ImageFormat {
  const imageSize = b.readBigUInt64LE(16);
  const flags = b.readBigUInt64LE(24);
  // flags bit 0: 1 = big-endian kernel; bits 1-2: page size (booting.rst).
  const endian = (flags & 1n) === 0n ? 'little-endian' : 'big-endian';
  const size = imageSize > 0n ? `, ${(Number(imageSize) / 2 ** 20).toFixed(1)} MiB loaded` : '';
  return { description: `arm64 Image${packing}, ${endian}${size}`, protocol: `flags 0x${flags.toString(16)}` };
}

/** What the bytes are when not an arm64 Image: said in the error, with what to do instead. */
function notImage(b: Buffer): string {
  if (b.length >= 0x206 && b.subarray(0x202, 0x206).toString('latin1') === 'HdrS')
    return 'an x86 bzImage: give the kernel `"arch": "amd64"` (the default; run: `--arch amd64`) to boot it';
  if (b.length >= 8 && b.subarray(0, 2).toString('latin1') === 'MZ' && b.subarray(4, 8).toString('latin1') === 'zimg')
    return "an EFI zboot image (CONFIG_EFI_ZBOOT), which QEMU's -kernel cannot unpack: boot arch/arm64/boot/Image";
  if (b.length >= 4 && b.subarray(0, 4).toString('latin1') === '\x7fELF')
    return 'an ELF file (vmlinux?): boot arch/arm64/boot/Image instead';
  return `no arm64 Image header ("ARM\\x64" at offset ${MAGIC_AT}; ${b.length} bytes read)`;
}

function arm64ImageFormat(b: Buffer): Result<ImageFormat, string> {
  if (isArm64Image(b)) return ok(describe(b, ''));
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    const inner = gunzipHead(b);
    if (inner !== undefined && isArm64Image(inner)) return ok(describe(inner, ' (gzip)'));
    return err('not an arm64 Image: gzip data that does not start with an arm64 Image header (a package or a compressed vmlinux?)');
  }
  return err(`not an arm64 Image: ${notImage(b)}`);
}

export const arm64: ArchProfile = {
  arch: 'arm64',
  machine: 'aarch64',
  nodeArch: 'arm64',
  qemu: {
    binary: 'qemu-system-aarch64',
    package: 'qemu-system-arm',
    machine: 'virt',
    // The guest's clock is the generic timer, which QEMU (before 9.0's virt) runs at 62.5 MHz: one tick per
    // 16 ns, two instructions under -icount shift=3, so counts came out even and ±2 apart (measured on
    // bookworm 6.1: 146-148 at depth 0, 30-34 per hop). At 1 GHz every instruction's 8 ns is seen, and the
    // counts are exact (147, 179, 211 … identical in every sample).
    tcgCpu: 'max,cntfrq=1000000000',
  },
  console: 'ttyAMA0',
  agentPort: {
    guestDevice: '/dev/hvc0',
    // virtio-mmio transport (the virt board's own), no PCI: the port exists from the first driver probe.
    qemuArgs: (file) =>
      file === undefined
        ? []
        : ['-device', 'virtio-serial-device', '-chardev', `file,id=tmagent,path=${file}`, '-device', 'virtconsole,chardev=tmagent'],
    // Debian's cloud-arm64 builds the virtio-mmio transport and the virtio console as modules (virtio and
    // virtio_ring come with them as dependencies); a kernel that builds them in loads nothing for them.
    modules: ['virtio_mmio', 'virtio_console'],
  },
  kernelImage: {
    names: ['boot/vmlinuz', 'boot/Image', 'vmlinuz', 'Image', 'arch/arm64/boot/Image'],
    what: 'an arm64 Image',
    check: arm64ImageFormat,
  },
  debianArch: 'arm64',
  ociArch: 'arm64',
  kbuild: { arch: 'arm64', srcarch: 'arm64', image: 'arch/arm64/boot/Image', crossCompile: 'aarch64-linux-gnu-' },
  jitDecoder: 'arm64',
  agent: { makeArch: 'arm64', triplet: 'aarch64-linux-gnu', crossPackage: 'gcc-aarch64-linux-gnu' },
  busybox: '/usr/local/lib/tailmatrix/arm64/busybox',
};
