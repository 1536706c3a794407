/**
 * Loading a config: a YAML file (`--config`) or a named profile (`--profile`), validated by the
 * schema. Errors come back as a `ConfigError` holding one problem per line; nothing here writes.
 */
import { parseYamlDocument, readYamlFile, YAML_LIMITS, YamlInputError, type YamlDocument } from '../yaml/load';
import { PROFILES } from './profiles';
import { DEFAULT_PROFILE, PROFILE_NAMES, type ProfileName } from './profile-names';
import { configSchema, type MeshtraceConfig } from './schema';
import { issuesToProblems, sourcedProblemLines, type ConfigProblem } from './problems';

/** A config that does not validate (exit 1), or cannot be read (exit 2). */
export class ConfigError extends Error {
  constructor(
    /** Where the config came from: a file path or `profile <name>`. */
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
    /** `invalid`: the config is wrong (exit 1). `unreadable`: no config to check (exit 2). */
    readonly kind: 'invalid' | 'unreadable' = 'invalid',
  ) {
    super(
      `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${sourcedProblemLines(source, problems)
        .map((line) => `  ${line}`)
        .join('\n')}`,
    );
    this.name = 'ConfigError';
  }

  /** One line per problem (the first MAX_PRINTED_PROBLEMS), each prefixed with the source and line. */
  lines(): string[] {
    return sourcedProblemLines(this.source, this.problems);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep merge where `over` wins; lists are replaced, not concatenated (a user's list is the whole list).
 * An empty YAML key (`jaeger:` with nothing under it, i.e. null) means "keep the defaults".
 */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (over === undefined || over === null) return base;
  if (!isPlainObject(over)) return over;
  let from = isPlainObject(base) ? base : {};
  // A different `type` is a different variant (jaeger.storage): the profile's fields of the old one do not apply.
  if (typeof from.type === 'string' && typeof over.type === 'string' && from.type !== over.type) from = {};
  // Recurse even without a base, so empty keys nested in the user's own sections drop out too.
  const out: Record<string, unknown> = { ...from };
  for (const [key, value] of Object.entries(over)) {
    const merged = mergeConfig(from[key], value);
    if (merged === undefined) delete out[key];
    else out[key] = merged;
  }
  return out;
}

/** Validates raw input (already parsed YAML) over its profile. Pure. */
export function parseConfig(raw: unknown, source = 'config'): MeshtraceConfig {
  if (raw === null || raw === undefined) raw = {};
  if (!isPlainObject(raw)) {
    throw new ConfigError(source, [
      {
        path: '(root)',
        value: raw,
        message: 'is not a mapping; allowed: a YAML mapping with sections namespaces, jaeger, istio, bookinfo …',
      },
    ]);
  }
  const profile = raw.profile ?? DEFAULT_PROFILE;
  if (typeof profile !== 'string' || !(PROFILE_NAMES as readonly string[]).includes(profile)) {
    throw new ConfigError(source, [
      { path: 'profile', value: profile, message: `is not a profile; allowed: ${PROFILE_NAMES.map((p) => JSON.stringify(p)).join(', ')}` },
    ]);
  }
  const merged = mergeConfig(PROFILES[profile as ProfileName], raw);
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(source, issuesToProblems(result.error.issues, merged, configSchema));
  return result.data;
}

/** A YAML syntax error or limit as a config problem: the place is its path, the line its value. */
function yamlProblem(err: YamlInputError): ConfigProblem {
  const message = `${err.problem}; allowed: ${err.allowed}`;
  // A file too large has no line: the problem is the file as a whole.
  if (!err.position) return { path: '--config', value: err.source, message };
  return { path: `line ${err.position.line}, column ${err.position.column}`, value: err.lineText, message };
}

/** Parses config YAML within the config limits; a syntax error or limit becomes a located problem. */
function parseConfigYaml(text: string, source: string): YamlDocument {
  try {
    return parseYamlDocument(text, source, YAML_LIMITS.config);
  } catch (err) {
    if (err instanceof YamlInputError) throw new ConfigError(source, [yamlProblem(err)]);
    throw err;
  }
}

/** Validates a parsed config; each problem gets the line its path has in the file. */
function parseConfigDocument(doc: YamlDocument, source: string, overrides?: Record<string, unknown>): MeshtraceConfig {
  const raw = overrides ? mergeConfig(doc.value ?? {}, overrides) : doc.value;
  try {
    return parseConfig(raw, source);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(
      source,
      err.problems.map((p) => (p.line === undefined && p.pathParts ? { ...p, line: doc.lineOf(p.pathParts) } : p)),
      err.kind,
    );
  }
}

/** Parses YAML text; a syntax error becomes a problem with line and column. */
export function parseConfigText(text: string, source: string): MeshtraceConfig {
  return parseConfigDocument(parseConfigYaml(text, source), source);
}

export interface LoadConfigOptions {
  /** Path of a YAML config file. Its `profile:` field (default lab) picks the base profile. */
  readonly config?: string;
  /** Named profile, used when no file is given. */
  readonly profile?: string;
  /**
   * Raw config merged over the file or profile, validated with it (command-line flags such as
   * `synth --cluster NAME --central-collector URL`). Problems name the config path it sets.
   */
  readonly overrides?: Record<string, unknown>;
}

/** Loads and validates a config from a file or a profile (`lab` when neither is given). */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<MeshtraceConfig> {
  if (options.config !== undefined && options.profile !== undefined) {
    throw new ConfigError(
      'flags',
      [
        {
          path: '--profile',
          value: options.profile,
          message: 'cannot be combined with --config; allowed: set `profile:` inside the config file instead',
        },
      ],
      'unreadable',
    );
  }
  if (options.config !== undefined) {
    let text: string;
    try {
      text = readYamlFile(options.config, YAML_LIMITS.config);
    } catch (err) {
      if (err instanceof YamlInputError) throw new ConfigError(options.config, [yamlProblem(err)]);
      const code = (err as NodeJS.ErrnoException).code;
      throw new ConfigError(
        options.config,
        [
          {
            path: '--config',
            value: options.config,
            message: `cannot be read (${code ?? (err as Error).message}); allowed: a readable YAML file`,
          },
        ],
        'unreadable',
      );
    }
    return parseConfigDocument(parseConfigYaml(text, options.config), options.config, options.overrides);
  }
  const profile = options.profile ?? DEFAULT_PROFILE;
  if (!(PROFILE_NAMES as readonly string[]).includes(profile)) {
    throw new ConfigError(
      'flags',
      [
        {
          path: '--profile',
          value: profile,
          message: `is not a profile; allowed: ${PROFILE_NAMES.map((p) => JSON.stringify(p)).join(', ')}`,
        },
      ],
      'invalid',
    );
  }
  return parseConfig(mergeConfig({ profile }, options.overrides), `profile ${profile}`);
}
