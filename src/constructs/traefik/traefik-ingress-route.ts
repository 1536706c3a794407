import { ApiObject } from 'cdk8s';
import type { IIngressRoute } from '@kubernetes-models/traefik/traefik.io/v1alpha1/IngressRoute';
import { Construct } from 'constructs';
import { TRAEFIK_WEB_ENTRYPOINT, type TraceVerbosity } from './traefik-v3-values';

/** apiVersion of Traefik's IngressRoute CRD (the `traefik.containo.us` group is gone since v3). */
export const INGRESS_ROUTE_API_VERSION = 'traefik.io/v1alpha1';

export interface TraefikIngressRouteProps {
  /** metadata.name. @default - the construct id */
  readonly name?: string;
  /** Namespace of the IngressRoute; the backend Service must be in it (cross-namespace is off by default). @default 'default' */
  readonly namespace?: string;
  /**
   * Host the route matches, rendered as ``Host(`<host>`)``.
   * @default 'localhost'
   * @see https://doc.traefik.io/traefik/reference/routing-configuration/http/routing/rules-and-priority/
   */
  readonly host?: string;
  /** Optional path prefix, rendered as `&& PathPrefix(`<prefix>`)`. @default - no path condition */
  readonly pathPrefix?: string;
  /** Backend Service name (same namespace). */
  readonly serviceName: string;
  /** Backend Service port (number or port name). */
  readonly servicePort: number | string;
  /** Entrypoints the route listens on. @default ['web'] */
  readonly entryPoints?: readonly string[];
  /**
   * Per-route trace verbosity. The CRD defaults `observability.traceVerbosity` to `minimal` as soon
   * as an observability block exists, so meshtrace writes the block only when this is set, and
   * then writes it explicitly.
   * @default - inherit the entrypoint's setting (no observability block)
   */
  readonly traceVerbosity?: TraceVerbosity;
  /** Extra labels. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A Traefik `IngressRoute` (traefik.io/v1alpha1) sending one host to one Service port.
 *
 * @see https://doc.traefik.io/traefik/reference/routing-configuration/kubernetes/crd/http/ingressroute/
 */
export class TraefikIngressRoute extends Construct {
  /** The synthesized object. */
  readonly apiObject: ApiObject;
  /** The rule Traefik matches (also the span attribute `http.route` on its Router span). */
  readonly rule: string;
  readonly serviceName: string;
  readonly servicePort: number | string;
  readonly entryPoints: readonly string[];

  constructor(scope: Construct, id: string, props: TraefikIngressRouteProps) {
    super(scope, id);
    const host = props.host ?? 'localhost';
    if (!/^[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) {
      throw new Error(
        `TraefikIngressRoute ${id}: host ${JSON.stringify(host)} is not a DNS host name (no scheme, port or path), e.g. hotrod.localhost`,
      );
    }
    if (props.pathPrefix !== undefined && !/^\/[^`\s]*$/.test(props.pathPrefix)) {
      throw new Error(
        `TraefikIngressRoute ${id}: pathPrefix ${JSON.stringify(props.pathPrefix)} must start with "/" and contain no backquote or space`,
      );
    }
    if (!props.serviceName)
      throw new Error(`TraefikIngressRoute ${id}: serviceName is required (the backend Service in the same namespace)`);
    if (
      typeof props.servicePort === 'number' &&
      !(Number.isInteger(props.servicePort) && props.servicePort >= 1 && props.servicePort <= 65535)
    ) {
      throw new Error(`TraefikIngressRoute ${id}: servicePort ${props.servicePort} is not a port number 1..65535`);
    }
    const entryPoints = props.entryPoints ?? [TRAEFIK_WEB_ENTRYPOINT];
    if (entryPoints.length === 0) throw new Error(`TraefikIngressRoute ${id}: entryPoints is empty; give at least one, e.g. ['web']`);

    this.rule = `Host(\`${host}\`)${props.pathPrefix ? ` && PathPrefix(\`${props.pathPrefix}\`)` : ''}`;
    this.serviceName = props.serviceName;
    this.servicePort = props.servicePort;
    this.entryPoints = entryPoints;

    const spec: IIngressRoute['spec'] = {
      entryPoints: [...entryPoints],
      routes: [
        {
          kind: 'Rule',
          match: this.rule,
          services: [{ name: props.serviceName, port: props.servicePort }],
          ...(props.traceVerbosity ? { observability: { tracing: true, traceVerbosity: props.traceVerbosity } } : {}),
        },
      ],
    };
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: INGRESS_ROUTE_API_VERSION,
      kind: 'IngressRoute',
      metadata: {
        name: props.name ?? id,
        namespace: props.namespace ?? 'default',
        ...(props.labels ? { labels: { ...props.labels } } : {}),
      },
      spec,
    });
  }
}
