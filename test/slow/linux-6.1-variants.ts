// Builds the three linux-6.1 variants the built-states test boots (no JIT, JIT without kallsyms, JIT
// without retpolines), one after another: they share the base build's `make O=` dir, so each is an
// incremental rebuild, and two builds at once would only fight over it. Run ahead of the test so it
// finds them cached:  npx tsx test/slow/linux-6.1-variants.ts [variant …]
import { failureMessage } from '../../src/kernels/source.js';
import { buildLinux61, LINUX61_VARIANTS, type Linux61Variant } from './linux-6.1.js';

function wanted(args: readonly string[]): Linux61Variant[] {
  if (args.length === 0) return [...LINUX61_VARIANTS];
  const known = new Set<string>(LINUX61_VARIANTS);
  const bad = args.filter((a) => !known.has(a));
  if (bad.length > 0) throw new Error(`unknown variant ${bad.join(', ')}: choose from ${LINUX61_VARIANTS.join(', ')}`);
  return args as Linux61Variant[];
}

let failed = 0;
for (const v of wanted(process.argv.slice(2))) {
  const r = await buildLinux61(`linux-6.1-${v}`, [], undefined, v);
  if (!r.ok) {
    failed += 1;
    console.error(`[linux-6.1-${v}] FAILED: ${failureMessage(r.error)}`);
    continue;
  }
  const b = r.value;
  console.log(
    b.cached
      ? `[linux-6.1-${v}] cache hit ${b.inputsHash.slice(0, 12)} ${b.kernel.vmlinuz}`
      : `[linux-6.1-${v}] built in ${(b.totalMs / 1000).toFixed(0)} s (make ${((b.compileMs ?? 0) / 1000).toFixed(0)} s), log ${b.logFile}`,
  );
}
process.exitCode = failed > 0 ? 1 : 0;
