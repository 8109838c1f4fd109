// Archives built with the real tools (tar, ar, xz, zstd), including hostile ones.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTar, detectContent, extractDeb, extractTarball, readArMembers, readHead, unsafeEntry } from '../../src/util/archive.js';
import { locateKernel } from '../../src/kernels/locate.js';
import { writeEntries } from '../../src/util/tar-extract.js';
import { readTar } from '../../src/util/tar-reader.js';

async function tmp(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'tm-ar-'));
}

/** A tree shaped like Debian's 6.12 packages: boot/ + usr/lib/modules/<rel>. */
async function kernelTree(dir: string, rel = '6.12.0-test'): Promise<void> {
  await mkdir(path.join(dir, 'boot'), { recursive: true });
  await mkdir(path.join(dir, 'usr/lib/modules', rel, 'kernel/net'), { recursive: true });
  const image = Buffer.alloc(4096);
  image.write('HdrS', 0x202, 'latin1');
  await writeFile(path.join(dir, 'boot', `vmlinuz-${rel}`), image);
  await writeFile(path.join(dir, 'boot', `config-${rel}`), 'CONFIG_BPF_JIT=y\n');
  await writeFile(path.join(dir, 'boot', `System.map-${rel}`), 'ffffffff81000000 T _text\n');
  await writeFile(path.join(dir, 'usr/lib/modules', rel, 'modules.dep'), '');
  await writeFile(path.join(dir, 'usr/lib/modules', rel, 'kernel/net/veth.ko'), 'ko');
}

describe('tar safety', () => {
  it('flags "..", absolute paths and hard links out, accepts normal entries and symlinks', () => {
    expect(unsafeEntry('../etc/passwd', 'file')).toMatch(/\.\./);
    expect(unsafeEntry('boot/../../x', 'file')).toBeDefined();
    expect(unsafeEntry('/etc/passwd', 'file')).toMatch(/absolute/);
    expect(unsafeEntry('lib/x', 'hardlink', '/etc/shadow')).toMatch(/hard link/);
    expect(unsafeEntry('./boot/vmlinuz', 'file')).toBeUndefined();
    expect(unsafeEntry('lib/modules/x/build', 'symlink', '/usr/src/linux-headers-x')).toBeUndefined();
  });

  it('refuses a whole tarball that holds a ".." entry, and extracts nothing', async () => {
    const dir = await tmp();
    const src = path.join(dir, 'src');
    await mkdir(path.join(src, 'a'), { recursive: true });
    await writeFile(path.join(src, 'a', 'ok'), 'fine');
    await writeFile(path.join(dir, 'evil'), 'owned');
    const tarFile = path.join(dir, 'evil.tar');
    // GNU tar stores "a/../../evil" as given with -P.
    execFileSync('tar', ['-cf', tarFile, '-P', '-C', src, 'a/ok', `a/../../evil`]);
    const dest = path.join(dir, 'dest');
    await mkdir(dest);
    const r = await extractTarball(tarFile, dest, dir);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/refusing archive .*"a\/\.\.\/\.\.\/evil"/);
    expect(await readdir(dest)).toEqual([]);
  });

  it('refuses absolute paths', async () => {
    const dir = await tmp();
    const victim = path.join(dir, 'victim');
    await writeFile(victim, 'x');
    const tarFile = path.join(dir, 'abs.tar');
    execFileSync('tar', ['-cPf', tarFile, victim]);
    const r = await checkTar(tarFile);
    expect(!r.ok && r.error).toContain(`"${victim}" has an absolute path`);
  });
});

/** Hostile archives GNU tar will not write: crafted with Python's tarfile. */
function craftTar(file: string, entries: string): void {
  execFileSync('python3', ['-c', `import tarfile, io\nt = tarfile.open(${JSON.stringify(file)}, 'w')\n${entries}\nt.close()`]);
}

describe('tar safety, crafted archives', { timeout: 60_000 }, () => {
  it('refuses an entry written through a symlink the archive itself created', async () => {
    const dir = await tmp();
    const file = path.join(dir, 'through.tar');
    craftTar(
      file,
      [
        "l = tarfile.TarInfo('etc'); l.type = tarfile.SYMTYPE; l.linkname = '/etc'; t.addfile(l)",
        "f = tarfile.TarInfo('etc/passwd'); f.size = 3; t.addfile(f, io.BytesIO(b'x:0'))",
      ].join('\n'),
    );
    const r = await checkTar(file);
    expect(!r.ok && r.error).toContain('entry "etc/passwd" would be written through the symlink "etc"');
  });

  it('refuses device nodes and pipes', async () => {
    const dir = await tmp();
    const file = path.join(dir, 'dev.tar');
    craftTar(file, "d = tarfile.TarInfo('dev/mem'); d.type = tarfile.CHRTYPE; d.devmajor = 1; d.devminor = 1; t.addfile(d)");
    const r = await checkTar(file);
    expect(!r.ok && r.error).toContain('entry "dev/mem" is a character device; refused');
  });
});

describe('the one reader: what it refuses, and the writer on its own', { timeout: 60_000 }, () => {
  it("refuses a name given twice (which copy wins would be the extractor's choice)", async () => {
    const dir = await tmp();
    const file = path.join(dir, 'dup.tar');
    craftTar(file, "for b in (b'one', b'two'):\n  f = tarfile.TarInfo('boot/vmlinuz'); f.size = 3; t.addfile(f, io.BytesIO(b))");
    const r = await checkTar(file);
    expect(!r.ok && r.error).toContain('entry "boot/vmlinuz" appears twice');
  });

  it('refuses GNU sparse files, whatever their format', async () => {
    const dir = await tmp();
    const src = path.join(dir, 'sparse');
    execFileSync('truncate', ['-s', '8M', src]);
    const file = path.join(dir, 'sparse.tar');
    execFileSync('tar', ['--sparse', '--format=gnu', '-cf', file, '-C', dir, 'sparse']);
    const r = await checkTar(file);
    expect(!r.ok && r.error).toMatch(/entry "sparse" is a GNU sparse file; refused/);
    execFileSync('tar', ['--sparse', '--format=posix', '-cf', file, '-C', dir, 'sparse']);
    const pax = await checkTar(file);
    expect(!pax.ok && pax.error).toMatch(/unsupported PAX key "GNU\.sparse\./);
  });

  it('reads GNU long names and PAX paths the way GNU tar does', async () => {
    const dir = await tmp();
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}.ko`;
    await mkdir(path.join(dir, 'src', 'd'.repeat(120)), { recursive: true });
    await writeFile(path.join(dir, 'src', long), 'module');
    for (const format of ['gnu', 'posix']) {
      const file = path.join(dir, `${format}.tar`);
      execFileSync('tar', [`--format=${format}`, '-cf', file, '-C', path.join(dir, 'src'), '.']);
      const r = await readTar(file);
      expect(r.ok && r.value.map((e) => e.path)).toContain(`./${long}`);
    }
  });

  it('the writer alone (check bypassed) refuses to write through a symlink on the way, and replaces a final symlink instead of following it', async () => {
    const dir = await tmp();
    const outside = path.join(dir, 'outside');
    const root = path.join(dir, 'root');
    await mkdir(outside);
    await mkdir(root);
    await writeFile(path.join(outside, 'secret'), 'host');
    await symlink(outside, path.join(root, 'x'));
    await symlink(path.join(outside, 'secret'), path.join(root, 'y'));
    const file = path.join(dir, 'two.tar');
    craftTar(file, "for n in ('x/secret', 'y'):\n  f = tarfile.TarInfo(n); f.size = 5; t.addfile(f, io.BytesIO(b'owned'))");
    const entries = await readTar(file);
    if (!entries.ok) throw new Error(entries.error);
    const through = await writeEntries(file, entries.value.slice(0, 1), root);
    expect(!through.ok && through.error).toContain('entry "x/secret": "x" is a symlink on the way');
    const over = await writeEntries(file, entries.value.slice(1), root);
    expect(over.ok).toBe(true);
    expect(await readFile(path.join(outside, 'secret'), 'utf8')).toBe('host');
    expect(await readFile(path.join(root, 'y'), 'utf8')).toBe('owned');
  });
});

describe('one root, several archives (OCI layers, the .debs of one kernel)', { timeout: 60_000 }, () => {
  /** A victim folder outside the root, the root, and two crafted layers unpacked into it in turn. */
  async function layers(first: string, second: string) {
    const dir = await tmp();
    const outside = path.join(dir, 'outside');
    const root = path.join(dir, 'root');
    await mkdir(outside);
    await mkdir(root);
    await writeFile(path.join(outside, 'secret'), 'host file');
    const l1 = path.join(dir, 'layer1.tar');
    const l2 = path.join(dir, 'layer2.tar');
    craftTar(l1, first.replaceAll('OUTSIDE', outside));
    craftTar(l2, second.replaceAll('OUTSIDE', outside));
    const one = await extractTarball(l1, root, dir);
    const two = await extractTarball(l2, root, dir);
    return { dir, outside, root, one, two };
  }
  const linkToOutside = "l = tarfile.TarInfo('x'); l.type = tarfile.SYMTYPE; l.linkname = 'OUTSIDE'; t.addfile(l)";

  it('layer 1 `x -> outside`, layer 2 `x/authorized_keys`: the second is refused and nothing lands outside', async () => {
    const r = await layers(linkToOutside, "f = tarfile.TarInfo('x/authorized_keys'); f.size = 4; t.addfile(f, io.BytesIO(b'key!'))");
    expect(r.one.ok).toBe(true);
    expect(!r.two.ok && r.two.error).toContain('entry "x/authorized_keys" would be written through the symlink "x"');
    expect((await readdir(r.outside)).sort()).toEqual(['secret']);
  });

  it('a later layer cannot turn a symlink of an earlier one into a folder to write through', async () => {
    const r = await layers(
      linkToOutside,
      "d = tarfile.TarInfo('x'); d.type = tarfile.DIRTYPE; t.addfile(d)\nf = tarfile.TarInfo('x/evil'); f.size = 1; t.addfile(f, io.BytesIO(b'1'))",
    );
    expect(!r.two.ok && r.two.error).toContain('entry "x/" would be written through the symlink "x"');
    expect((await readdir(r.outside)).sort()).toEqual(['secret']);
  });

  it('a hard link through a symlink (of an earlier layer, or of the same archive) is refused: no host inode in the root', async () => {
    const r = await layers(linkToOutside, "h = tarfile.TarInfo('stolen'); h.type = tarfile.LNKTYPE; h.linkname = 'x/secret'; t.addfile(h)");
    expect(!r.two.ok && r.two.error).toContain('hard link "stolen" points to "x/secret" through the symlink "x"');
    expect(await readdir(r.root)).toEqual(['x']);

    const dir = await tmp();
    const file = path.join(dir, 'one.tar');
    craftTar(
      file,
      `${linkToOutside.replace('OUTSIDE', '/etc')}\nh = tarfile.TarInfo('shadow'); h.type = tarfile.LNKTYPE; h.linkname = 'x/shadow'; t.addfile(h)`,
    );
    const single = await checkTar(file);
    expect(!single.ok && single.error).toContain('hard link "shadow" points to "x/shadow" through the symlink "x"');
  });

  it('two harmless layers (a symlink to a sibling folder, files elsewhere) still unpack', async () => {
    const r = await layers(
      "d = tarfile.TarInfo('usr/lib'); d.type = tarfile.DIRTYPE; t.addfile(d)\nl = tarfile.TarInfo('lib'); l.type = tarfile.SYMTYPE; l.linkname = 'usr/lib'; t.addfile(l)",
      "f = tarfile.TarInfo('usr/lib/libx.so'); f.size = 1; t.addfile(f, io.BytesIO(b'1'))",
    );
    expect(r.one.ok && r.two.ok).toBe(true);
    expect(await readFile(path.join(r.root, 'lib', 'libx.so'), 'utf8')).toBe('1');
  });
});

describe('tarballs and .debs', () => {
  for (const [flag, ext] of [
    ['-z', 'gz'],
    ['-J', 'xz'],
    ['--zstd', 'zst'],
  ] as const) {
    it(`extracts a .tar.${ext} and finds the kernel in it`, async () => {
      const dir = await tmp();
      const src = path.join(dir, 'src');
      await kernelTree(src);
      const file = path.join(dir, `k.tar.${ext}`);
      execFileSync('tar', ['-c', flag, '-f', file, '-C', src, '.']);
      expect(detectContent(await readHead(file))).toBe('tar');
      const dest = path.join(dir, 'dest');
      await mkdir(dest);
      const r = await extractTarball(file, dest, dir);
      expect(r).toEqual({ ok: true, value: undefined });
      const layout = await locateKernel(dest);
      expect(layout).toEqual({
        ok: true,
        value: {
          vmlinuz: 'boot/vmlinuz-6.12.0-test',
          modulesDir: 'usr/lib/modules/6.12.0-test',
          config: 'boot/config-6.12.0-test',
          systemMap: 'boot/System.map-6.12.0-test',
          release: '6.12.0-test',
        },
      });
      // No leftover decompressed tar next to the input.
      expect((await readdir(dir)).sort()).toEqual(['dest', `k.tar.${ext}`, 'src']);
    });
  }

  it('reads a .deb built with ar and extracts its data.tar.xz', async () => {
    const dir = await tmp();
    const src = path.join(dir, 'src');
    await kernelTree(src, '5.10.0-test');
    await writeFile(path.join(dir, 'debian-binary'), '2.0\n');
    execFileSync('tar', ['-cJf', path.join(dir, 'control.tar.xz'), '-C', src, 'boot']);
    execFileSync('tar', ['-cJf', path.join(dir, 'data.tar.xz'), '-C', src, '.']);
    const deb = path.join(dir, 'k.deb');
    execFileSync('ar', ['rc', deb, 'debian-binary', 'control.tar.xz', 'data.tar.xz'], { cwd: dir });
    expect(detectContent(await readHead(deb))).toBe('deb');
    const members = await readArMembers(deb);
    expect(members.ok && members.value.map((m) => m.name)).toEqual(['debian-binary', 'control.tar.xz', 'data.tar.xz']);
    const dest = path.join(dir, 'dest');
    await mkdir(dest);
    expect(await extractDeb(deb, dest, dir)).toEqual({ ok: true, value: undefined });
    expect(await readFile(path.join(dest, 'boot/config-5.10.0-test'), 'utf8')).toBe('CONFIG_BPF_JIT=y\n');
  });

  it('a file that is not an ar archive is an error, not a crash', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, 'x.deb'), 'not a deb at all');
    const r = await readArMembers(path.join(dir, 'x.deb'));
    expect(!r.ok && r.error).toMatch(/not an ar archive/);
  });
});

describe('locateKernel', () => {
  it("finds sid's layout: the image inside usr/lib/modules/<rel>", async () => {
    const dir = await tmp();
    const mods = path.join(dir, 'usr/lib/modules/7.2.13+deb14-cloud-amd64');
    await mkdir(path.join(mods, 'kernel'), { recursive: true });
    await writeFile(path.join(mods, 'vmlinuz'), 'image');
    await writeFile(path.join(mods, 'config'), 'CONFIG_X=y');
    await writeFile(path.join(mods, 'System.map'), 'map');
    await symlink('/usr/src/nowhere', path.join(mods, 'build'));
    const r = await locateKernel(dir);
    expect(r).toEqual({
      ok: true,
      value: {
        vmlinuz: 'usr/lib/modules/7.2.13+deb14-cloud-amd64/vmlinuz',
        modulesDir: 'usr/lib/modules/7.2.13+deb14-cloud-amd64',
        config: 'usr/lib/modules/7.2.13+deb14-cloud-amd64/config',
        systemMap: 'usr/lib/modules/7.2.13+deb14-cloud-amd64/System.map',
        release: '7.2.13+deb14-cloud-amd64',
      },
    });
  });

  it('says what it looked for when there is no kernel', async () => {
    const r = await locateKernel(await tmp());
    expect(!r.ok && r.error).toMatch(/no kernel image found/);
  });
});
