// Where the running-kernel cell keeps its host lock and its settings journal. A leaf of its own so that
// every CLI start can look for a dead run's journal without loading the restore machinery (execa, zod).

/** Next to the host lock (/run/tailmatrix-native.lock): tmpfs, root's, gone at reboot like the settings. */
export const HOST_LOCK = '/run/tailmatrix-native';
export const HOST_JOURNAL = '/run/tailmatrix-native.journal.json';
