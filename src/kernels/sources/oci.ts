// `oci` source: an image whose layers hold /boot/vmlinuz (cilium/ci-kernels' layout), pulled over the
// registry API anonymously; the manifest and every layer are verified against their digests.
import { extractTarball } from '../../util/archive.js';
import { err, ok } from '../../util/result.js';
import { OciClient } from '../oci/client.js';
import { parseImageRef } from '../oci/reference.js';
import { fetchFilesAndMaterialize, filesKey } from '../fetch-files.js';
import { badInput, type KernelSourceDriver } from '../source.js';

export const ociSourceDriver: KernelSourceDriver<'oci'> = {
  type: 'oci',

  async resolve(kernel, ctx) {
    const ref = parseImageRef(kernel.source.image, kernel.source.digest);
    if (ref === undefined) return err(badInput(`source.image: cannot parse "${kernel.source.image}"`));
    const client = new OciClient(ref, ctx.signal);
    const got = await client.imageManifest(ref.reference);
    if (!got.ok) return err(got.error);
    const layers = got.value.manifest.layers ?? [];
    if (layers.length === 0) return err(`${kernel.source.image}: the image has no layers`);
    const files = [];
    for (const l of layers) {
      const m = /^sha256:([0-9a-f]{64})$/.exec(l.digest);
      if (!m?.[1]) return err(`${kernel.source.image}: layer digest ${l.digest} is not sha256`);
      files.push({ name: l.mediaType, url: client.blobUrl(l.digest), sha256: m[1], size: l.size });
    }
    return ok({ type: 'oci', image: kernel.source.image, digest: got.value.digest as `sha256:${string}`, files });
  },

  async fetch(kernel, resolved, ctx) {
    const key = filesKey('oci', resolved.files);
    const cached = await ctx.cache.lookup('kernels', key);
    let headers: Record<string, string> | undefined;
    if (cached === undefined) {
      // Blobs need the same token as the manifest: ask for the pinned manifest once (it verifies too).
      const ref = parseImageRef(resolved.image, resolved.digest);
      if (ref === undefined) return err(badInput(`source.image: cannot parse "${resolved.image}"`));
      const client = new OciClient(ref, ctx.signal);
      const m = await client.manifest(resolved.digest);
      if (!m.ok) return err(m.error);
      headers = client.headers();
    }
    return fetchFilesAndMaterialize(
      kernel.id,
      key,
      `oci:${resolved.image}@${resolved.digest}`,
      resolved.files,
      (blob, root, tmp, signal) => extractTarball(blob, root, tmp, signal),
      ctx,
      headers,
    );
  },
};
