// jest globalSetup: the run's temp folder (run-temp-dir.mjs), then lib/ built for the CLI tests.
import { buildLib } from './build-lib.mjs';
import { useRunTempDir } from './run-temp-dir.mjs';

export default function globalSetup() {
  useRunTempDir();
  buildLib();
}
