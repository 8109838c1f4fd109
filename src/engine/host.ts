// The host's own state, as the CLI needs it at start (`doctor`, and recovery after a native run that was
// killed): the setup script, the saved host settings, where install-vng.sh puts virtme-ng.
export { recoverAtStart } from '../vm/host-journal.js';
export { runSetup } from '../setup/setup-script.js';
export { VNG_INSTALL_PREFIX } from '../vm/vng-check.js';
