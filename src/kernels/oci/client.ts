// The registry HTTP API v2, anonymously: ask, and on 401 follow WWW-Authenticate's Bearer challenge to
// the token service, then ask again with the token. Manifests are verified against their digest.
import { createHash } from 'node:crypto';
import { fetchBuffer } from '../../util/download.js';
import { err, ok, type Result } from '../../util/result.js';
import type { ImageRef } from './reference.js';

const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

const ACCEPT = Object.values(MEDIA).join(', ');

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

interface Manifest {
  mediaType?: string;
  manifests?: Descriptor[];
  layers?: Descriptor[];
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters. */
function parseChallenge(header: string): Record<string, string> | undefined {
  const m = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of (m[1] ?? '').matchAll(/([A-Za-z_]+)="([^"]*)"/g)) params[(p[1] ?? '').toLowerCase()] = p[2] ?? '';
  return params;
}

export class OciClient {
  private token: string | undefined;

  constructor(
    readonly ref: ImageRef,
    private readonly signal: AbortSignal,
  ) {}

  headers(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  private async authenticate(challenge: string | undefined): Promise<Result<void, string>> {
    const params = challenge !== undefined ? parseChallenge(challenge) : undefined;
    if (params?.realm === undefined) return err(`${this.ref.registry}: 401 without a Bearer challenge (private image?)`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? `repository:${this.ref.repository}:pull`);
    const res = await fetchBuffer(url.toString(), { signal: this.signal });
    if (!res.ok) return err(res.error.message);
    if (res.value.status !== 200) return err(`${url.origin}: token request answered HTTP ${res.value.status}`);
    let body: { token?: string; access_token?: string };
    try {
      body = JSON.parse(res.value.body.toString('utf8')) as typeof body;
    } catch {
      return err(`${url.origin}: token response is not JSON`);
    }
    this.token = body.token ?? body.access_token;
    return this.token ? ok(undefined) : err(`${url.origin}: token response has no token`);
  }

  /** GET a manifest (or index) by tag or digest, verified against the digest asked for or announced. */
  async manifest(reference: string): Promise<Result<{ digest: string; manifest: Manifest }, string>> {
    const url = `${this.ref.base}/v2/${this.ref.repository}/manifests/${reference}`;
    const get = () => fetchBuffer(url, { signal: this.signal, headers: { accept: ACCEPT, ...this.headers() } });
    let res = await get();
    if (res.ok && res.value.status === 401) {
      const www = res.value.headers['www-authenticate'];
      const auth = await this.authenticate(Array.isArray(www) ? www[0] : www);
      if (!auth.ok) return auth;
      res = await get();
    }
    if (!res.ok) return err(res.error.message);
    if (res.value.status === 404) return err(`${this.ref.registry}/${this.ref.repository}:${reference}: not found`);
    if (res.value.status !== 200) return err(`${url}: HTTP ${res.value.status}`);
    const digest = `sha256:${createHash('sha256').update(res.value.body).digest('hex')}`;
    const claimed = res.value.headers['docker-content-digest'];
    if (reference.startsWith('sha256:') && digest !== reference) return err(`manifest ${reference}: content hashes to ${digest}`);
    if (typeof claimed === 'string' && claimed !== digest)
      return err(`manifest ${reference}: registry says ${claimed}, content hashes to ${digest}`);
    let manifest: Manifest;
    try {
      manifest = JSON.parse(res.value.body.toString('utf8')) as Manifest;
    } catch {
      return err(`manifest ${reference}: not JSON`);
    }
    return ok({ digest, manifest });
  }

  /** Follow an index (manifest list) to its linux/<architecture> image manifest (an OCI architecture name: amd64, arm64). */
  async imageManifest(reference: string, architecture = 'amd64'): Promise<Result<{ digest: string; manifest: Manifest }, string>> {
    const first = await this.manifest(reference);
    if (!first.ok || first.value.manifest.manifests === undefined) return first;
    const pick = first.value.manifest.manifests.find((d) => d.platform?.os === 'linux' && d.platform?.architecture === architecture);
    if (pick === undefined) {
      const have = first.value.manifest.manifests.map((d) => `${d.platform?.os ?? '?'}/${d.platform?.architecture ?? '?'}`).join(', ');
      return err(`${this.ref.repository}:${reference}: no linux/${architecture} image in the index (has ${have})`);
    }
    return this.manifest(pick.digest);
  }

  blobUrl(digest: string): string {
    return `${this.ref.base}/v2/${this.ref.repository}/blobs/${digest}`;
  }
}
