import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { TraefikIngressRoute } from '../traefik/traefik-ingress-route';
import { DEFAULT_TRAEFIK_INGRESS_CLASS, TRAEFIK_WEB_ENTRYPOINT, type TraceVerbosity } from '../traefik/traefik-v3-values';
import type { HotRod } from './hotrod';

/** Host the seed tutorial opens HotROD on (http://hotrod.localhost:8000/). */
export const DEFAULT_HOTROD_HOST = 'hotrod.localhost';

/** How Traefik learns the route: its own CRD (default) or a plain Kubernetes Ingress. */
export type HotRodIngressKind = 'IngressRoute' | 'Ingress';

export interface HotRodIngressProps {
  /** The HotROD whose Service the route targets (names, namespace and port come from it). */
  readonly hotrod: HotRod;
  /** `IngressRoute` (traefik.io/v1alpha1) or `Ingress` (networking.k8s.io/v1). @default 'IngressRoute' */
  readonly kind?: HotRodIngressKind;
  /** Host to match. @default 'hotrod.localhost' */
  readonly host?: string;
  /** Traefik entrypoint. @default 'web' */
  readonly entryPoint?: string;
  /** IngressClass for the plain Ingress (= the Traefik chart's IngressClass name). @default 'traefik' */
  readonly ingressClassName?: string;
  /**
   * Route-level trace verbosity (router and service spans with `detailed`).
   * @default - the entrypoint's setting
   */
  readonly traceVerbosity?: TraceVerbosity;
}

/**
 * Routes ``Host(`hotrod.localhost`)`` on Traefik's `web` entrypoint to `hotrod:8080`, either as an
 * IngressRoute or as an Ingress with `ingressClassName: traefik`.
 *
 * @see https://doc.traefik.io/traefik/reference/routing-configuration/kubernetes/ingress/
 */
export class HotRodIngress extends Construct {
  readonly kind: HotRodIngressKind;
  readonly host: string;
  readonly entryPoint: string;
  readonly ingressRoute?: TraefikIngressRoute;
  readonly ingress?: k8s.KubeIngress;

  constructor(scope: Construct, id: string, props: HotRodIngressProps) {
    super(scope, id);
    this.kind = props.kind ?? 'IngressRoute';
    if (this.kind !== 'IngressRoute' && this.kind !== 'Ingress') {
      throw new Error(`HotRodIngress: kind ${JSON.stringify(this.kind)} is not supported; use 'IngressRoute' or 'Ingress'`);
    }
    this.host = props.host ?? DEFAULT_HOTROD_HOST;
    this.entryPoint = props.entryPoint ?? TRAEFIK_WEB_ENTRYPOINT;
    const { hotrod } = props;

    if (this.kind === 'IngressRoute') {
      this.ingressRoute = new TraefikIngressRoute(this, 'IngressRoute', {
        name: hotrod.serviceName,
        namespace: hotrod.namespace,
        host: this.host,
        entryPoints: [this.entryPoint],
        serviceName: hotrod.serviceName,
        servicePort: hotrod.servicePort,
        traceVerbosity: props.traceVerbosity,
      });
      if (hotrod.namespaceObject) this.ingressRoute.apiObject.addDependency(hotrod.namespaceObject);
      return;
    }

    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(this.host)) {
      throw new Error(
        `HotRodIngress: host ${JSON.stringify(this.host)} is not a lower-case DNS name as Ingress requires, e.g. hotrod.localhost`,
      );
    }
    this.ingress = new k8s.KubeIngress(this, 'Ingress', {
      metadata: {
        name: hotrod.serviceName,
        namespace: hotrod.namespace,
        annotations: {
          'traefik.ingress.kubernetes.io/router.entrypoints': this.entryPoint,
          ...(props.traceVerbosity ? { 'traefik.ingress.kubernetes.io/router.observability.traceVerbosity': props.traceVerbosity } : {}),
        },
      },
      spec: {
        ingressClassName: props.ingressClassName ?? DEFAULT_TRAEFIK_INGRESS_CLASS,
        rules: [
          {
            host: this.host,
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: { service: { name: hotrod.serviceName, port: { number: hotrod.servicePort } } } },
              ],
            },
          },
        ],
      },
    });
    if (hotrod.namespaceObject) this.ingress.addDependency(hotrod.namespaceObject);
  }
}
