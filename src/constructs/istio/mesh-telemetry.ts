import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/**
 * One custom tag: a literal, an environment variable of the proxy, or a request header.
 * @see https://istio.io/latest/docs/reference/config/telemetry/#Tracing-CustomTag
 */
export type CustomTag =
  | { readonly literal: { readonly value: string } }
  | {
      readonly environment: {
        /** Environment variable of the proxy container. */
        readonly name: string;
        /** @default - no tag when the variable is unset */
        readonly defaultValue?: string;
      };
    }
  | {
      readonly header: {
        /** Request header (never a credential header: the value lands in every span). */
        readonly name: string;
        /** @default - no tag when the header is absent */
        readonly defaultValue?: string;
      };
    };

export interface MeshTelemetryProps {
  /**
   * Telemetry name.
   * @default 'mesh-default'
   */
  readonly name?: string;
  /**
   * Namespace: Istio's root namespace makes it mesh-wide; any other namespace scopes it there.
   * @default 'istio-system'
   */
  readonly namespace?: string;
  /**
   * `extensionProviders[].name` spans go to. Istio silently DISABLES tracing when the name
   * does not resolve, so it must match the installer inputs.
   * @default 'jaeger'
   */
  readonly providerName?: string;
  /**
   * Percentage of requests (without an upstream decision) that start a trace. Always written:
   * Istio's fallback is a silent 1 %.
   * @default 100
   * @see https://istio.io/latest/docs/tasks/observability/distributed-tracing/sampling/
   */
  readonly randomSamplingPercentage?: number;
  /**
   * Tags added to every span (literal / environment / header). They REPLACE the parent scope's tags.
   * @default - none
   */
  readonly customTags?: Readonly<Record<string, CustomTag>>;
  /**
   * Stop reporting spans from this scope (context is still propagated).
   * @default false
   */
  readonly disableSpanReporting?: boolean;
  /**
   * Pod labels of the workloads this Telemetry applies to (`spec.selector.matchLabels`); only
   * allowed outside the root namespace. A workload-level Telemetry overrides its namespace's one.
   * @default - every workload of the namespace
   * @see https://istio.io/latest/docs/reference/config/type/workload-selector/
   */
  readonly selector?: Readonly<Record<string, string>>;
}

/**
 * An Istio `Telemetry` (`telemetry.istio.io/v1`) selecting the tracing provider and sampling.
 * @see https://istio.io/latest/docs/reference/config/telemetry/
 */
export class MeshTelemetry extends Construct {
  readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: MeshTelemetryProps = {}) {
    super(scope, id);
    const sampling = props.randomSamplingPercentage ?? 100;
    if (!(sampling >= 0 && sampling <= 100)) {
      throw new Error(`MeshTelemetry: randomSamplingPercentage ${sampling} is out of range; allowed: 0-100`);
    }
    const tracing: Record<string, unknown> = {
      providers: [{ name: props.providerName ?? 'jaeger' }],
      randomSamplingPercentage: sampling,
    };
    if (props.customTags && Object.keys(props.customTags).length > 0) tracing.customTags = props.customTags;
    if (props.disableSpanReporting !== undefined) tracing.disableSpanReporting = props.disableSpanReporting;
    const selector = props.selector && Object.keys(props.selector).length > 0 ? { selector: { matchLabels: { ...props.selector } } } : {};
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'telemetry.istio.io/v1',
      kind: 'Telemetry',
      metadata: {
        name: props.name ?? 'mesh-default',
        namespace: props.namespace ?? 'istio-system',
        labels: { 'app.kubernetes.io/part-of': 'meshtrace' },
      },
      spec: { ...selector, tracing: [tracing] },
    });
  }
}
