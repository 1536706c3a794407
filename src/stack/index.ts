/** Public API of the stack: used by the synth CLI, the cdk8s entry (src/main.ts) and the cluster lane. */
export { buildTracingApp, INSTALL_INPUTS, type InstallInput } from './tracing-stack';
export { buildStack, INSTALL_DIR, type BuiltStack, type OutputFile } from './build-stack';
export {
  writeOutput,
  cleanOutput,
  recoverOutput,
  interruptedWrite,
  describeRecovery,
  describePerFile,
  listFiles,
  OWNERSHIP_FILE,
  OutputWriteError,
  type WriteReport,
  type CleanReport,
  type Recovery,
  type WriteOptions,
} from './output-writer';
export { synthesize, buildAndCheck, SynthCheckError, type SynthesizeOptions, type SynthResult } from './synthesize';
