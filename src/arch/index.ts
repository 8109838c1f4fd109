// The architecture profiles by name, and the host's own architecture.
import { amd64 } from './amd64.js';
import { arm64 } from './arm64.js';
import type { Arch, ArchProfile } from './types.js';

export { ARCHES, type Arch, type ArchProfile, type ImageFormat } from './types.js';

const PROFILES: Record<Arch, ArchProfile> = { amd64, arm64 };

export function archProfile(arch: Arch): ArchProfile {
  return PROFILES[arch];
}

const ARCH_PROFILES: readonly ArchProfile[] = Object.values(PROFILES);

/** Every architecture's image names, amd64's first: where an extracted tree or a build tree keeps its image. */
export const KERNEL_IMAGE_NAMES: readonly string[] = [...new Set(ARCH_PROFILES.flatMap((p) => p.kernelImage.names))];

/** The profile whose host architecture is `nodeArch` (default this process's), or undefined on any other host. */
export function hostArch(nodeArch: string = process.arch): Arch | undefined {
  return Object.values(PROFILES).find((p) => p.nodeArch === nodeArch)?.arch;
}
