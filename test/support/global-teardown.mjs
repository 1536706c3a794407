// jest globalTeardown: removes the run's temp folder (run-temp-dir.mjs).
export { removeRunTempDir as default } from './run-temp-dir.mjs';
