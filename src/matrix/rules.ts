import type { Matrix } from './schema.js';

function duplicates(names: readonly string[], where: string): string[] {
  const seen = new Map<string, number>();
  const errors: string[] = [];
  names.forEach((name, i) => {
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else errors.push(`${where}[${i}]: "${name}" is already used by ${where}[${first}]`);
  });
  return errors;
}

/** x86-64's COMMAND_LINE_SIZE (NUL included): the kernel cuts a longer line, and the agent's options go last. */
const KERNEL_CMDLINE_BYTES = 2048;
/** What tailmatrix and the VM backends add to a boot's own options (console=, panic=, vng's init options). */
const CMDLINE_RESERVED_BYTES = 256;

/** Rules the schema cannot express: unique names, exactly one origin for a build. */
export function checkRules(m: Matrix): string[] {
  const errors = [
    ...duplicates(
      m.kernels.map((k) => k.id),
      'kernels',
    ).map((e) => e.replace(/]: /, '].id: ')),
    ...duplicates(
      m.boots.map((b) => b.name),
      'boots',
    ).map((e) => e.replace(/]: /, '].name: ')),
    ...duplicates(
      m.benchmarks.map((b) => b.name),
      'benchmarks',
    ).map((e) => e.replace(/]: /, '].name: ')),
  ];
  m.boots.forEach((b, i) => {
    const bytes = Buffer.byteLength(b.cmdline);
    const room = KERNEL_CMDLINE_BYTES - CMDLINE_RESERVED_BYTES;
    if (bytes > room) {
      errors.push(
        `boots[${i}].cmdline: ${bytes} bytes; at most ${room} fit (the kernel's command line is limited to ${KERNEL_CMDLINE_BYTES} bytes, ${CMDLINE_RESERVED_BYTES} kept for tailmatrix's own options): a longer one is cut and the boot hangs`,
      );
    }
  });
  m.kernels.forEach((k, i) => {
    if (k.source.type === 'debian' && k.source.arch !== undefined && k.source.arch !== k.arch) {
      errors.push(
        `kernels[${i}].source.arch: "${k.source.arch}" but the kernel's arch is "${k.arch}": drop source.arch (it follows the kernel's) or make them equal`,
      );
    }
    // The running kernel is measured natively by the x86-64 agent (src/vm/native.ts). (A build of another
    // architecture is cross-compiled: src/kernels/from-source/.)
    if (k.source.type === 'running' && k.arch !== 'amd64') {
      errors.push(
        `kernels[${i}].arch: "${k.arch}" is not supported for a "${k.source.type}" kernel (only amd64): use a debian, oci, url, local or build arm64 kernel`,
      );
    }
    if (k.source.type !== 'build') return;
    const origins = [k.source.tree, k.source.tarball, k.source.debianSource].filter((o) => o !== undefined);
    if (origins.length !== 1) {
      errors.push(`kernels[${i}].source: a build needs exactly one of "tree", "tarball" or "debianSource"`);
    }
    if (k.source.ref !== undefined && k.source.tree === undefined) {
      errors.push(`kernels[${i}].source.ref: only meaningful with "tree"`);
    }
  });
  return errors;
}
