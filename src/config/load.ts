/**
 * Loading a config: a YAML file (`--config`) or a named profile (`--profile`), validated by the
 * schema. Errors come back as a `ConfigError` holding one problem per line; nothing here writes.
 */
import { readFile } from 'node:fs/promises';
import { load as loadYaml, YAMLException } from 'js-yaml';
import { PROFILES } from './profiles';
import { DEFAULT_PROFILE, PROFILE_NAMES, type ProfileName } from './profile-names';
import { configSchema, type MeshtraceConfig } from './schema';
import { issuesToProblems, problemLine, type ConfigProblem } from './problems';

/** A config that does not validate (exit 1), or cannot be read (exit 2). */
export class ConfigError extends Error {
  constructor(
    /** Where the config came from: a file path or `profile <name>`. */
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
    /** `invalid`: the config is wrong (exit 1). `unreadable`: no config to check (exit 2). */
    readonly kind: 'invalid' | 'unreadable' = 'invalid',
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${problemLine(p)}`).join('\n')}`);
    this.name = 'ConfigError';
  }

  /** One line per problem, each prefixed with the source. */
  lines(): string[] {
    return this.problems.map((p) => `${this.source}: ${problemLine(p)}`);
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
    throw new ConfigError(source, [{ path: '(root)', value: raw, message: 'is not a mapping; allowed: a YAML mapping with sections namespaces, jaeger, istio, bookinfo …' }]);
  }
  const profile = raw.profile ?? DEFAULT_PROFILE;
  if (typeof profile !== 'string' || !(PROFILE_NAMES as readonly string[]).includes(profile)) {
    throw new ConfigError(source, [{ path: 'profile', value: profile, message: `is not a profile; allowed: ${PROFILE_NAMES.map((p) => JSON.stringify(p)).join(', ')}` }]);
  }
  const merged = mergeConfig(PROFILES[profile as ProfileName], raw);
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(source, issuesToProblems(result.error.issues, merged, configSchema));
  return result.data;
}

/** Parses YAML text; a syntax error becomes a problem with line and column. */
export function parseConfigText(text: string, source: string): MeshtraceConfig {
  let raw: unknown;
  // An empty or comment-only file means "the profile as is" (js-yaml 5 rejects an empty stream).
  if (text.split('\n').every((line) => /^\s*(#.*)?$/.test(line))) return parseConfig({}, source);
  try {
    raw = loadYaml(text);
  } catch (err) {
    if (err instanceof YAMLException) {
      const mark = (err as YAMLException & { mark?: { line: number; column: number } }).mark;
      const where = mark ? `line ${mark.line + 1}, column ${mark.column + 1}` : '(unknown position)';
      const line = mark ? text.split('\n')[mark.line] : undefined;
      throw new ConfigError(source, [{ path: where, value: line, message: `is not valid YAML: ${err.reason ?? err.message}; allowed: a YAML mapping` }]);
    }
    throw err;
  }
  return parseConfig(raw, source);
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
    throw new ConfigError('flags', [{ path: '--profile', value: options.profile, message: 'cannot be combined with --config; allowed: set `profile:` inside the config file instead' }], 'unreadable');
  }
  if (options.config !== undefined) {
    let text: string;
    try {
      text = await readFile(options.config, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ConfigError(options.config, [{ path: '--config', value: options.config, message: `cannot be read (${code ?? (err as Error).message}); allowed: a readable YAML file` }], 'unreadable');
    }
    if (options.overrides) {
      const base = text.split('\n').every((line) => /^\s*(#.*)?$/.test(line)) ? {} : loadYamlOrText(text, options.config);
      return parseConfig(mergeConfig(base, options.overrides), options.config);
    }
    return parseConfigText(text, options.config);
  }
  const profile = options.profile ?? DEFAULT_PROFILE;
  if (!(PROFILE_NAMES as readonly string[]).includes(profile)) {
    throw new ConfigError('flags', [{ path: '--profile', value: profile, message: `is not a profile; allowed: ${PROFILE_NAMES.map((p) => JSON.stringify(p)).join(', ')}` }], 'invalid');
  }
  return parseConfig(mergeConfig({ profile }, options.overrides), `profile ${profile}`);
}

/** YAML text → raw value, with parseConfigText's syntax errors (used when flags are merged over a file). */
function loadYamlOrText(text: string, source: string): unknown {
  try {
    return loadYaml(text);
  } catch {
    // Let parseConfigText produce the located syntax error.
    return parseConfigText(text, source);
  }
}
