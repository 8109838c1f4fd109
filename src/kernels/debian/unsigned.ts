// What --allow-unsigned leaves behind, for both Debian paths (binary kernel packages and linux-source):
// a mark on the kernel's origin, and a lock entry that a strict run refuses to use.
import { badInput, type SourceContext, type SourceFailure } from '../source.js';

/** Appended to the kernel's origin (run.json, cell files, reports) when nothing vouched for its index. */
export const UNSIGNED_MARK = ' [index signature NOT checked: --allow-unsigned]';

/**
 * A lock entry resolved without a signature check is used only under --allow-unsigned again: its
 * hashes came from an index nobody verified, and a lockfile must not launder that into a strict run.
 * An entry that does not say (`signatureChecked` absent) counts as unchecked.
 */
export function refuseUnsignedPin(
  entry: { signatureChecked?: boolean; unsignedWhy?: string },
  ctx: Pick<SourceContext, 'allowUnsigned'>,
): SourceFailure | undefined {
  if (entry.signatureChecked === true || ctx.allowUnsigned) return undefined;
  const why = entry.unsignedWhy !== undefined ? ` (${entry.unsignedWhy})` : '';
  return badInput(
    `the lock entry was resolved from a Debian index whose signature was not checked${why}; run \`tailmatrix lock\` where gpgv and debian-archive-keyring are installed, or pass --allow-unsigned`,
  );
}
