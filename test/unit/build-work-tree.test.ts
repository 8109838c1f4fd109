import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ok } from '../../src/util/result.js';
import { git } from '../../src/kernels/from-source/git.js';
import { checkoutWithPatches, ensureWorkTree, workTreeAt, type WorkTree } from '../../src/kernels/from-source/work-tree.js';

// Real git on a three-file "source": patches apply and revert, untouched files keep their mtimes
// (make's incremental rebuild depends on it), a patch that does not apply names itself.
const patchJit = `--- a/arch/x86/net/bpf_jit_comp.c
+++ b/arch/x86/net/bpf_jit_comp.c
@@ -1,4 +1,4 @@
 static void emit(void)
 {
-\temit_direct_jump();
+\temit_indirect_jump();
 }
`;

let dir: string;
let wt: WorkTree;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-wt-'));
  wt = workTreeAt(dir);
  const made = await ensureWorkTree(wt, async (tmp) => {
    await mkdir(path.join(tmp, 'arch/x86/net'), { recursive: true });
    await mkdir(path.join(tmp, 'kernel/bpf'), { recursive: true });
    await writeFile(path.join(tmp, 'arch/x86/net/bpf_jit_comp.c'), 'static void emit(void)\n{\n\temit_direct_jump();\n}\n');
    await writeFile(path.join(tmp, 'kernel/bpf/verifier.c'), 'int verify(void) { return 0; }\n');
    // Like Debian's linux-source tarball: a .gitignore that ignores everything at the top level.
    await writeFile(path.join(tmp, '.gitignore'), '/*\n');
    return ok(undefined);
  });
  expect(made).toEqual({ ok: true, value: 'created' });
  expect((await git(wt.tree, ['tag', 'pristine'])).ok).toBe(true);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const jit = () => readFile(path.join(wt.tree, 'arch/x86/net/bpf_jit_comp.c'), 'utf8');
const mtime = async (rel: string) => (await stat(path.join(wt.tree, rel))).mtimeMs;

describe('source work tree', () => {
  it('commits every file of the pristine source even when its .gitignore ignores them, and is reused', async () => {
    const listed = await git(wt.tree, ['ls-files']);
    expect(listed.ok && listed.value.stdout.split('\n').filter(Boolean).sort()).toEqual([
      '.gitignore',
      'arch/x86/net/bpf_jit_comp.c',
      'kernel/bpf/verifier.c',
    ]);
    expect(await ensureWorkTree(wt, async () => ok(undefined))).toEqual({ ok: true, value: 'existing' });
  });

  it('applies patches, touches only patched files, and reverts them when the patch is dropped', async () => {
    expect(await checkoutWithPatches(wt, 'pristine', [])).toEqual({ ok: true, value: 'changed' });
    const verifierBefore = await mtime('kernel/bpf/verifier.c');
    await new Promise((r) => setTimeout(r, 20));

    expect(await checkoutWithPatches(wt, 'pristine', [{ name: 'no-direct.patch', text: patchJit }])).toEqual({
      ok: true,
      value: 'changed',
    });
    expect(await jit()).toContain('emit_indirect_jump');
    expect(await mtime('kernel/bpf/verifier.c')).toBe(verifierBefore);

    const jitPatched = await mtime('arch/x86/net/bpf_jit_comp.c');
    expect(await checkoutWithPatches(wt, 'pristine', [{ name: 'no-direct.patch', text: patchJit }])).toEqual({
      ok: true,
      value: 'unchanged',
    });
    expect(await mtime('arch/x86/net/bpf_jit_comp.c')).toBe(jitPatched);

    expect(await checkoutWithPatches(wt, 'pristine', [])).toEqual({ ok: true, value: 'changed' });
    expect(await jit()).toContain('emit_direct_jump');
    expect(await mtime('kernel/bpf/verifier.c')).toBe(verifierBefore);
  });

  it('removes files a previous patch created', async () => {
    const addFile = `--- /dev/null\n+++ b/kernel/bpf/new.c\n@@ -0,0 +1 @@\n+int added;\n`;
    expect((await checkoutWithPatches(wt, 'pristine', [{ name: 'add.patch', text: addFile }])).ok).toBe(true);
    expect(await stat(path.join(wt.tree, 'kernel/bpf/new.c')).then(() => true)).toBe(true);
    expect((await checkoutWithPatches(wt, 'pristine', [])).ok).toBe(true);
    expect(
      await stat(path.join(wt.tree, 'kernel/bpf/new.c')).then(
        () => true,
        () => false,
      ),
    ).toBe(false);
  });

  it('a patch that does not apply is reported by name and leaves no applied state behind', async () => {
    const bad = patchJit.replace('emit_direct_jump', 'something_else');
    const r = await checkoutWithPatches(wt, 'pristine', [{ name: 'bad.patch', text: bad }]);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.badPatch).toBe('bad.patch');
      expect(r.error.message).toMatch(/^patch bad\.patch does not apply/);
    }
    // Next time the tree is brought to a known state again rather than trusted.
    expect(await checkoutWithPatches(wt, 'pristine', [])).toEqual({ ok: true, value: 'changed' });
  });
});
