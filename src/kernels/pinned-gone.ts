// Lockfile rot: Debian's pool drops superseded packages, so a file pinned months ago can be gone (404)
// while its bytes, pinned by SHA256, are still the right ones. A snapshot archive keeps every file at
// the same pool path (https://snapshot.debian.org/archive/debian/<timestamp>/pool/…), so matrix.json's
// `snapshot` base URL is tried for it; otherwise the failure says what is gone and how to re-pin.
import type { LockedFile } from '../matrix/lock.js';

/** The same file under the snapshot archive, when the pinned URL is a pool path. */
export function snapshotUrl(pinnedUrl: string, snapshotBase: string | undefined): string | undefined {
  if (snapshotBase === undefined) return undefined;
  const at = new URL(pinnedUrl).pathname.indexOf('/pool/');
  if (at < 0) return undefined;
  return `${snapshotBase.replace(/\/+$/, '')}${new URL(pinnedUrl).pathname.slice(at)}`;
}

/** The error for a pinned file no URL serves any more. */
export function pinnedGoneMessage(
  file: Pick<LockedFile, 'name' | 'url' | 'sha256' | 'version'>,
  lockEntry: string | undefined,
  tried: readonly string[],
): string {
  const entry = lockEntry === undefined ? 'matrix.lock.json' : `matrix.lock.json → kernels["${lockEntry}"]`;
  const what = `${file.name}${file.version ? ` ${file.version}` : ''} (sha256 ${file.sha256})`;
  const snapshotHint =
    tried.length > 1
      ? ''
      : ' or set "snapshot" in matrix.json to a snapshot archive that still has it (e.g. https://snapshot.debian.org/archive/debian/<timestamp>),';
  return (
    `the pinned file ${what} is gone (HTTP 404 from ${tried.join(' and from ')}); it is pinned by ${entry}. ` +
    `Re-resolve it with \`tailmatrix lock${lockEntry ? ` --kernel ${lockEntry}` : ''}\`,${snapshotHint} then run again.`
  );
}
