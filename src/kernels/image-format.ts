// What a kernel image file is, read from its header, for `--kernel PATH` and local kernels: QEMU's -kernel
// says little when given the wrong thing (a vmlinux ELF, another architecture's image, a .config by
// mistake), so the file is checked against the kernel's architecture first (the checks live in the
// architecture profiles, src/arch/).
import { open } from 'node:fs/promises';
import { archProfile, type Arch, type ImageFormat } from '../arch/index.js';
import { err, ok, type Result } from '../util/result.js';

export type { ImageFormat } from '../arch/index.js';

/** Enough for the x86 setup header and its version string (in the setup sectors), and a gzip'd arm64 header. */
const HEAD_BYTES = 64 * 1024;

/** The image's format: ok when QEMU boots it for `arch` (default amd64), else what the file looks like. */
export async function imageFormat(file: string, arch: Arch = 'amd64'): Promise<Result<ImageFormat, string>> {
  const fh = await open(file, 'r').catch((e: NodeJS.ErrnoException) => e);
  if (fh instanceof Error) return err(`cannot read ${file} (${fh.code ?? fh.message})`);
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    const checked = archProfile(arch).kernelImage.check(buf.subarray(0, bytesRead));
    return checked.ok ? ok(checked.value) : err(`${file} is ${checked.error}`);
  } finally {
    await fh.close();
  }
}
