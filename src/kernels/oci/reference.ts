// OCI image references: [registry/]repository[:tag][@sha256:digest], as docker and crane read them.

export interface ImageRef {
  registry: string;
  repository: string;
  /** Tag or digest to ask the registry for. */
  reference: string;
  /** Base URL of the registry API (http only for loopback registries, as docker allows). */
  base: string;
}

const DEFAULT_REGISTRY = 'registry-1.docker.io';

function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '');
  return h === 'localhost' || h === '[::1]' || /^127\./.test(h);
}

export function parseImageRef(image: string, digest?: string): ImageRef | undefined {
  let rest = image;
  let pinned = digest;
  const at = rest.indexOf('@');
  if (at >= 0) {
    pinned ??= rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : DEFAULT_REGISTRY;
  let repository = hasRegistry ? rest.slice(slash + 1) : rest;
  let tag = 'latest';
  const colon = repository.lastIndexOf(':');
  if (colon >= 0) {
    tag = repository.slice(colon + 1);
    repository = repository.slice(0, colon);
  }
  if (!hasRegistry && !repository.includes('/')) repository = `library/${repository}`;
  if (repository === '' || !/^[a-z0-9]+([._/-][a-z0-9]+)*$/.test(repository)) return undefined;
  const scheme = isLoopback(registry) ? 'http' : 'https';
  return { registry, repository, reference: pinned ?? tag, base: `${scheme}://${registry}` };
}
