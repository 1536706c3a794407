/**
 * The whole kit as one construct for a user's own cdk8s app: `new TracingStack(app, 'tracing', { profile: 'lab' })`.
 */
import { Construct } from 'constructs';
import { parseConfig, mergeConfig } from '../config/load';
import type { ProfileName } from '../config/profile-names';
import type { MeshtraceConfig } from '../config/schema';
import { addTracingCharts } from './tracing-stack';

/**
 * What {@link TracingStack} builds: a validated config, or a profile with overrides over it. The
 * whole-stack entry point takes the config shape on purpose (one validated document decides how
 * the parts fit together); each part on its own takes its own Props instead.
 */
export interface TracingStackProps {
  /**
   * A config already validated (for example by `loadConfig`); wins over `profile` and `overrides`.
   * @default - `profile` with `overrides`, validated here
   */
  readonly config?: MeshtraceConfig;
  /**
   * The base profile.
   * @default 'lab'
   */
  readonly profile?: ProfileName;
  /**
   * Raw config sections merged over the profile, validated as a config file is (`{ jaeger: { … } }`).
   * @default - none: the profile as it is
   */
  readonly overrides?: Record<string, unknown>;
}

/**
 * Jaeger v2, Istio tracing, Traefik values, Bookinfo, HotROD and the relay chain as charts under
 * this construct (one chart per area, the same objects `meshtrace synth` writes). Put it under an
 * `App` (or a construct inside one): each area stays its own chart, applied after the namespaces.
 *
 * @throws ConfigError when `profile`/`overrides` are not a valid config (each problem named with its path).
 */
export class TracingStack extends Construct {
  /** The validated config the charts were built from. */
  readonly config: MeshtraceConfig;

  constructor(scope: Construct, id: string, props: TracingStackProps = {}) {
    super(scope, id);
    this.config = props.config ?? parseConfig(mergeConfig({ profile: props.profile ?? 'lab' }, props.overrides), `TracingStack ${id}`);
    addTracingCharts(this, this.config);
  }
}
