// What differs between the guest architectures tailmatrix boots, as data: one ArchProfile per
// architecture (./amd64.ts, ./arm64.ts), looked up by the matrix's `arch` (./index.ts). A leaf folder:
// it imports nothing from the rest of src/ but util/, so every step (kernels, guest, vm, measure) can
// ask it without the folders importing each other.
import type { Result } from '../util/result.js';

/** The architectures a kernel can have, by their Debian names (matrix.json's `arch`). */
export const ARCHES = ['amd64', 'arm64'] as const;
export type Arch = (typeof ARCHES)[number];

/** A kernel image's format, read from its header. */
export interface ImageFormat {
  /** e.g. "x86 bzImage, boot protocol 2.15, 6.1.0 (user@host) #1 SMP …" or "arm64 Image (gzip)". */
  description: string;
  /** x86: the boot protocol version; arm64: the image's header version. */
  protocol: string;
  version?: string;
}

export interface ArchProfile {
  arch: Arch;
  /** `uname -m` in a guest of this architecture (the agent's `machine` record). */
  machine: 'x86_64' | 'aarch64';
  /** Node's `process.arch` on a host of this architecture: KVM runs a guest only on a host of its own architecture. */
  nodeArch: 'x64' | 'arm64';
  qemu: {
    binary: string;
    /** The Debian/Ubuntu package that installs `binary`. */
    package: string;
    /** -machine */
    machine: string;
    /** -cpu under TCG (KVM passes the host's through). */
    tcgCpu: string;
  };
  /** The guest's console device (console= on the command line; QEMU's first -serial, stdout). */
  console: string;
  agentPort: {
    /** Where the agent writes its records in the guest (images/init reads TM_AGENT_PORT). */
    guestDevice: string;
    /** QEMU options that connect `guestDevice` to a host file (or to nothing when `file` is absent). */
    qemuArgs(file: string | undefined): string[];
    /** Kernel modules the port needs when the kernel builds its driver as a module (loaded before the agent). */
    modules: readonly string[];
  };
  kernelImage: {
    /** Names of the bootable image in an extracted tree or a build tree, most specific last. */
    names: readonly string[];
    /** What QEMU's -kernel boots here, for messages ("an x86 bzImage"). */
    what: string;
    /** The format read from the first bytes (64 KiB) of a file: ok when QEMU boots it for this architecture. */
    check(head: Buffer): Result<ImageFormat, string>;
  };
  /** Debian's architecture name (binary-<arch> indexes, package names' -cloud-<arch>). */
  debianArch: Arch;
  /** The OCI image index platform's `architecture`. */
  ociArch: Arch;
  kbuild: {
    /** make ARCH= */
    arch: string;
    /** arch/<srcarch>/ in the source tree */
    srcarch: string;
    /** The bootable image relative to the build tree. */
    image: string;
    /** make CROSS_COMPILE= when building on a host of another architecture. */
    crossCompile: string;
  };
  /** Which decoder reads the JIT's image of a program (src/measure/). */
  jitDecoder: 'x86' | 'arm64';
  agent: {
    /** `make -C bpf ARCH=…` */
    makeArch: Arch;
    /** The GNU triplet of the (cross) C compiler that links the static agent. */
    triplet: string;
    /** The package of that compiler when cross-building. */
    crossPackage: string;
  };
  /** The static busybox for this architecture's initramfs, on a Debian/Ubuntu host. */
  busybox: string;
}
