// What every kernel source hands to the rest of the pipeline: files in the content-addressed cache.
import type { Arch } from '../arch/index.js';

/** What a source driver returns; the fetch session adds the matrix kernel's architecture. */
export type DriverKernel = Omit<FetchedKernel, 'arch'>;

export interface FetchedKernel {
  /** The matrix kernel id. */
  id: string;
  /** The matrix kernel's architecture: which QEMU, console, initramfs and JIT decoder the cell uses. */
  arch: Arch;
  /** SHA256 of the kernel image: the content address of this kernel. */
  sha256: string;
  /** Cache directory that holds the extracted kernel (read-only once published). */
  dir: string;
  /** Absolute path of the bootable image (bzImage / vmlinuz). */
  vmlinuz: string;
  /** Absolute path of lib/modules/<release>, when the source provides modules. */
  modulesDir?: string;
  /** Absolute path of the kernel .config, when known. */
  config?: string;
  /** Absolute path of System.map, when known. */
  systemMap?: string;
  /** `uname -r`, when known before boot (from the package or modules dir). */
  release?: string;
  /** Human-readable origin: "debian:bookworm/linux-image-6.1.0-50-cloud-amd64 6.1.176-1". */
  origin: string;
}
