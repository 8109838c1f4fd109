// Paths only, no value imports: the CLI's `build --help` names the default fragment without loading the kernel compile (compile.ts).
import type { Arch } from '../../arch/index.js';

/** The fragment every build gets unless the matrix names others. */
export const DEFAULT_FRAGMENT = 'kernels/configs/tailmatrix.config';
/** What the `vng` base adds to tinyconfig (before the matrix's fragments, which may override it). */
export const VNG_FRAGMENT = 'kernels/configs/vng.config';
/**
 * What an architecture other than x86-64 needs on top of the others, applied last: its console and
 * transport, and off what tailmatrix.config asks for x86 that this architecture cannot have (a later
 * fragment's assignment replaces an earlier one in the config check, kernels/configs/README.md).
 */
export const ARCH_FRAGMENTS: Readonly<Partial<Record<Arch, string>>> = { arm64: 'kernels/configs/arm64.config' };
