// Zod's validation issues as one readable line each, for every file tailmatrix validates (the matrix,
// its lock, result files, a baseline summary, build options).
import type { z } from 'zod';

/** `kernels[2].source.sha256` from a zod issue path. */
function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const part of p) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}
