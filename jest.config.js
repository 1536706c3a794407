// Jest runs in ESM mode (node --experimental-vm-modules): kubernetes-models, execa and
// @kubernetes/client-node are ESM-only. ts-jest only transpiles (isolatedModules); `npm test`
// type-checks the whole project with `tsc --noEmit` first, so type errors still fail the run.
export default {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  testTimeout: 30000,
  // The child-process CLI tests run bin/meshtrace.mjs → lib/: built once per run from the sources.
  globalSetup: '<rootDir>/test/support/build-lib.mjs',
};
