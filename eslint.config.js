// ESLint flat config: typescript-eslint's recommended rules (not type-aware, to stay fast) plus
// the layer rules of docs/architecture.md as import restrictions per folder. The same layers and
// the no-cycle rule are checked a second time, over the resolved import graph (dynamic `import()`
// included), by test/architecture/layers.test.ts.
import tseslint from 'typescript-eslint';

/**
 * Modules that do I/O: the layers that must stay pure (propagation, constructs) may not import them.
 * `node:crypto` is not listed: constructs hash content with it (not I/O). Propagation may not use it
 * either: its random ids come from the caller (`IdSource`; `src/random-ids.ts` in production).
 */
const IO_MODULES = ['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'child_process', 'dgram', 'dns', 'tls', 'worker_threads']
  .flatMap((m) => [`node:${m}`, m])
  .concat(['esbuild', 'execa', 'undici', '@kubernetes/client-node']);

const ANY_DEPTH = [0, 1, 2, 3];

/**
 * `no-restricted-imports` for the files of `src/<folder>` at each nesting depth: imports are
 * relative, so `../../relay` means src/relay only from a file two folders down. `forbidden` are
 * top-level names under src/ (folders or leaf modules); `all` forbids every import outside the folder;
 * `patterns` are added for the files directly in the folder.
 */
function layer(folder, { forbidden = [], all = false, io = false, extra = [], patterns: extraPatterns = [], because }) {
  return ANY_DEPTH.map((depth) => {
    const up = `(\\.\\./){${depth + 1}}`;
    const patterns = [];
    if (all) patterns.push({ regex: `^${up}`, message: `${because} (it imports nothing of ours outside src/${folder})` });
    else if (forbidden.length > 0) patterns.push({ regex: `^${up}(${forbidden.join('|')})(/|$)`, message: because });
    if (depth === 0) patterns.push(...extraPatterns);
    return {
      files: [`src/${folder}/${'*/'.repeat(depth)}*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          { paths: (io ? IO_MODULES : []).concat(extra).map((name) => ({ name, message: `${because} (no I/O)` })), patterns },
        ],
      },
    };
  });
}

/** Leaf modules directly under src/: shared by several layers, so they import nothing of ours. */
const LEAVES = [
  'src/finding.ts',
  'src/faults.ts',
  'src/sensitive-data.ts',
  'src/errors.ts',
  'src/random-ids.ts',
  'src/duration.ts',
  'src/attribute-names.ts',
];

export default tseslint.config(
  // Generated files (the chart-values schema) are written by their generator, not by hand.
  { ignores: ['node_modules/', 'dist/', 'lib/', 'coverage/', '**/*.d.ts', 'src/**/*.generated.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks a deliberately unused binding; a rest sibling drops a key from a copy.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    // Tests and benchmarks walk synthesized manifests by deep paths; what they assert on is typed.
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    // The relay loader is CommonJS on purpose: it runs with plain `node` in the pod, before any bundle.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...layer('propagation', {
    all: true,
    io: true,
    extra: ['node:crypto', 'crypto'],
    because: 'propagation is the pure core; ids come from the caller',
  }),
  ...layer('constructs', {
    // config is the CLI's schema: constructs take their own Props, and stack/props/ maps config to them.
    forbidden: ['config', 'relay', 'check', 'verify', 'cluster', 'cli', 'stack', 'demo'],
    io: true,
    because:
      'constructs do no I/O and take what they need as their own props (stack/props maps the config; stack/ builds the relay bundle)',
  }),
  ...layer('relay', {
    forbidden: ['cli', 'verify', 'demo'],
    patterns: [{ regex: '^\\./http1/', message: 'the HTTP/1.1 code is used through its index (import from ./http1)' }],
    because: 'the relay is a library under the CLI; it does not verify traces',
  }),
  // After the relay's entry, so it replaces that rule for these files: the HTTP/1.1 code sits under the hop.
  {
    files: ['src/relay/http1/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!\\.\\./propagation(/|$))',
              message: 'relay/http1 imports nothing of ours but propagation (the hop uses it, not the reverse)',
            },
          ],
        },
      ],
    },
  },
  ...layer('verify', { forbidden: ['constructs', 'stack', 'cli'], because: 'verify reads traces, not manifests, and sits under the CLI' }),
  {
    files: LEAVES,
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.', message: 'a leaf module imports nothing of ours' }] }] },
  },
);
