// Jest runs in ESM mode (node --experimental-vm-modules): kubernetes-models, execa and
// @kubernetes/client-node are ESM-only. The transform only strips types (esbuild, file by file);
// `npm test` type-checks the whole project with `tsc --noEmit` first, so type errors still fail the run.
export default {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.mjs',
  },
  testTimeout: 30000,
  // Four workers on the 2-core machines this runs on (jest's default, cores − 1, is one): the slow
  // suites wait on real programs (Envoy, Jaeger, Zipkin, Traefik, HotROD, the API server) far more
  // than they compute, so workers beyond the cores fill that time. Measured (BENCHMARKS.md, "Test
  // suite"): 2 workers 421 s, 3 workers 224–234 s, 4 workers 200–206 s (alternating runs, same tree).
  // Tests share no ports (all are allocated, and a program whose port was taken meanwhile starts
  // again on fresh ones) and no files outside their own temp folders; lib/ is replaced file by file,
  // atomically (scripts/build.ts).
  maxWorkers: 4,
  // Longest first even on a fresh clone (CI), from recorded times: see the file.
  testSequencer: '<rootDir>/test/support/test-sequencer.cjs',
  // The child-process CLI tests run bin/meshtrace.mjs → lib/: built once per run from the sources.
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
};
