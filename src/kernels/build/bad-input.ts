// The matrix's fault rather than the machine's (EXIT.badInput), built here rather than imported from
// ../source.js: source.ts imports this folder's driver, and a value import back would be a cycle.
import type { BadInput } from '../source.js';

export const badInput = (message: string): BadInput => ({ badInput: true, message });
