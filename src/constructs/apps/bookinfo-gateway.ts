import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { BOOKINFO_PORT } from './bookinfo-microservice';

/** Paths upstream's bookinfo-gateway.yaml routes to productpage (exact or prefix). */
export const BOOKINFO_GATEWAY_ROUTES: readonly { readonly path: string; readonly match: 'exact' | 'prefix' }[] = [
  { path: '/productpage', match: 'exact' },
  { path: '/static', match: 'prefix' },
  { path: '/login', match: 'exact' },
  { path: '/logout', match: 'exact' },
  { path: '/api/v1/products', match: 'prefix' },
];

export interface BookinfoGatewayProps {
  /**
   * `istio`: networking.istio.io/v1 Gateway + VirtualService bound to the shared ingress gateway;
   * `gatewayApi`: gateway.networking.k8s.io/v1 Gateway + HTTPRoute (Istio deploys
   * `bookinfo-gateway-istio` itself; the Gateway API CRDs must be installed).
   * @default 'istio'
   * @see https://istio.io/latest/docs/examples/bookinfo/#determine-the-ingress-ip-and-port
   */
  readonly flavor?: 'istio' | 'gatewayApi';
  /**
   * Pod labels of the ingress gateway (flavor istio). Helm-installed gateways use `istio: ingress`.
   * @default { istio: 'ingressgateway' }
   */
  readonly selector?: Readonly<Record<string, string>>;
  /**
   * Gateway server port: the gateway workload's target port (8080 for istioctl's
   * istio-ingressgateway), 80 for the Gateway API listener.
   * @default - 8080 for istio, 80 for gatewayApi
   */
  readonly port?: number;
}

/** Ingress to Bookinfo's productpage, as upstream's bookinfo-gateway.yaml (either flavor). */
export class BookinfoGateway extends Construct {
  constructor(scope: Construct, id: string, props: BookinfoGatewayProps = {}) {
    super(scope, id);
    const flavor = props.flavor ?? 'istio';
    if (flavor === 'istio') {
      new ApiObject(this, 'Gateway', {
        apiVersion: 'networking.istio.io/v1',
        kind: 'Gateway',
        metadata: { name: 'bookinfo-gateway' },
        spec: {
          selector: { ...(props.selector ?? { istio: 'ingressgateway' }) },
          servers: [{ port: { number: props.port ?? 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
        },
      });
      new ApiObject(this, 'VirtualService', {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'bookinfo' },
        spec: {
          hosts: ['*'],
          gateways: ['bookinfo-gateway'],
          http: [
            {
              match: BOOKINFO_GATEWAY_ROUTES.map((r) => ({ uri: { [r.match]: r.path } })),
              route: [{ destination: { host: 'productpage', port: { number: BOOKINFO_PORT } } }],
            },
          ],
        },
      });
      return;
    }
    new ApiObject(this, 'Gateway', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'bookinfo-gateway' },
      spec: {
        gatewayClassName: 'istio',
        listeners: [{ name: 'http', port: props.port ?? 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }],
      },
    });
    new ApiObject(this, 'HTTPRoute', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'bookinfo' },
      spec: {
        parentRefs: [{ name: 'bookinfo-gateway' }],
        rules: [
          {
            matches: BOOKINFO_GATEWAY_ROUTES.map((r) => ({ path: { type: r.match === 'exact' ? 'Exact' : 'PathPrefix', value: r.path } })),
            backendRefs: [{ name: 'productpage', port: BOOKINFO_PORT }],
          },
        ],
      },
    });
  }
}
