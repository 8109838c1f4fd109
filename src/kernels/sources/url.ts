// `url` source: one file at an https URL with a required SHA256; a .deb, a tarball (gz/xz/zst) or a raw
// bzImage, told apart by its first bytes unless the matrix says which.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { detectContent, extractDeb, extractTarball, readHead } from '../../util/archive.js';
import { err, ok } from '../../util/result.js';
import { fetchFilesAndMaterialize, filesKey } from '../fetch-files.js';
import type { KernelSourceDriver } from '../source.js';

export const urlSourceDriver: KernelSourceDriver<'url'> = {
  type: 'url',

  // The matrix pins the content already (sha256 is required): resolving needs no network.
  async resolve(kernel) {
    const s = kernel.source;
    const name = path.basename(new URL(s.url).pathname) || 'download';
    return ok({ type: 'url', files: [{ name, url: s.url, sha256: s.sha256 }] });
  },

  async fetch(kernel, resolved, ctx) {
    const file = resolved.files[0];
    if (file === undefined) return err('lock entry has no file');
    const declared = kernel.source.format;
    return fetchFilesAndMaterialize(
      kernel.id,
      filesKey('url', resolved.files),
      `url:${file.url}`,
      resolved.files,
      async (blob, root, tmp, signal) => {
        const kind = declared === 'auto' ? detectContent(await readHead(blob)) : declared;
        if (kind === 'deb') return extractDeb(blob, root, tmp, signal);
        if (kind === 'tar') return extractTarball(blob, root, tmp, signal);
        if (kind === 'bzimage') {
          await mkdir(path.join(root, 'boot'), { recursive: true });
          await copyFile(blob, path.join(root, 'boot', 'vmlinuz'));
          return ok(undefined);
        }
        return err(`${file.url}: neither a .deb, a tarball nor a bzImage (set "format" to say which)`);
      },
      ctx,
    );
  },
};
