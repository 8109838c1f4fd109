// Paths only, no imports: the CLI's `build --help` names the default fragment without loading the kernel compile (compile.ts).
/** The fragment every build gets unless the matrix names others. */
export const DEFAULT_FRAGMENT = 'kernels/configs/tailmatrix.config';
/** What the `vng` base adds to tinyconfig (before the matrix's fragments, which may override it). */
export const VNG_FRAGMENT = 'kernels/configs/vng.config';
