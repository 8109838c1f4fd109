// Everything the README links to ships in the package: a user reads the README in node_modules/tailmatrix (or
// on the registry page of the tarball), and a link to docs/ or examples/ that is not there is a dead end.
// The file list is npm's own (`npm pack --dry-run`), without the build (--ignore-scripts: links name no dist/ file).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

/** Relative link targets of a Markdown file, anchors dropped, resolved against the package root. */
async function linksOf(file: string): Promise<string[]> {
  const text = await readFile(path.join(PACKAGE_ROOT, file), 'utf8');
  const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!.split('#')[0]!).filter((t) => t !== '' && !/^[a-z]+:/.test(t));
  return [...new Set(targets.map((t) => path.posix.normalize(path.posix.join(path.posix.dirname(file), t))))];
}

describe('the package ships what its README links to', () => {
  it('every relative link of README.md (and the files it links that link further) names a packed file', async () => {
    const res = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PACKAGE_ROOT });
    const [info] = JSON.parse(res.stdout) as { files: { path: string }[] }[];
    const packed = new Set(info!.files.map((f) => f.path));
    const links = [...(await linksOf('README.md')), ...(await linksOf('examples/your-repository/README.md'))];
    expect(links).toContain('docs/measurement.md');
    expect(links).toContain('examples/traffic.json');
    expect(links.filter((l) => !packed.has(l) && ![...packed].some((p) => p.startsWith(`${l}/`)))).toEqual([]);
    // The README's own commands: the example matrix a user starts from, and the workflow.
    for (const f of ['examples/your-repository/matrix.json', 'examples/github-actions.yml', 'README.md'])
      expect(packed.has(f), f).toBe(true);
  });

  it("the example matrix for a user's repository is a valid matrix of 2 kernels × 2 boot configurations", async () => {
    const { loadMatrix } = await import('../../src/matrix/load.js');
    const loaded = await loadMatrix(path.join(PACKAGE_ROOT, 'examples/your-repository/matrix.json'));
    expect(loaded.ok && loaded.value.matrix.kernels.map((k) => k.id)).toEqual(['6.1-cloud', '6.12-cloud']);
    expect(loaded.ok && loaded.value.matrix.boots.map((b) => b.name)).toEqual(['retpoline', 'mitigations-off']);
  });
});
