/**
 * Config section `kind`: the kind cluster config written to dist/install/kind.yaml. Its port
 * mappings are derived from the synthesized node ports (Traefik web/websecure, Istio ingress
 * gateway); only the host side is configured here.
 * @see https://kind.sigs.k8s.io/docs/user/configuration/#extra-port-mappings
 */
import { z } from 'zod';

const hostPort = z.number().int({ message: 'must be a whole number; allowed: 1-65535' }).min(1).max(65535);

export const kindSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** `kind create cluster --name`. */
  name: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'is not a kind cluster name; allowed: lower-case letters, digits and "-"' })
    .max(50)
    .default('meshtrace'),
  /** kind v0.32.0's default node image, pinned by digest. */
  nodeImage: z
    .string()
    .regex(/^[\w./-]+(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/, {
      message: 'is not an image reference; allowed: kindest/node:vX.Y.Z[@sha256:<digest>]',
    })
    .refine((s) => s.includes(':'), { message: 'has no tag or digest; allowed: a pinned kindest/node image' })
    .default('kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5'),
  workers: z.number().int().min(0).max(10).default(0),
  /** Host address the mappings bind; 127.0.0.1 keeps lab services off the network. */
  listenAddress: z
    .string()
    .regex(/^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-fA-F:]+$/, { message: 'is not an IP address; allowed: e.g. 127.0.0.1' })
    .default('127.0.0.1'),
  /** Host ports (what users open); the node side always equals the synthesized nodePort. */
  hostPorts: z
    .strictObject({
      /** http://hotrod.localhost:8000 as in the seed tutorial. */
      traefikWeb: hostPort.default(8000),
      traefikWebsecure: hostPort.default(8443),
      istioIngressHttp: hostPort.default(8081),
      istioIngressHttps: hostPort.default(8444),
      /** Used only when jaeger.query.nodePort is set (the UI is ClusterIP otherwise). */
      jaegerQuery: hostPort.default(16686),
    })
    .prefault({}),
});
export type KindConfig = z.infer<typeof kindSchema>;

/** A Service node port the stack will synthesize, with the config field that sets it. */
export interface NodePortClaim {
  readonly path: readonly (string | number)[];
  /** What listens there, e.g. `traefik web`. */
  readonly name: string;
  readonly port: number;
}

interface NodePortSources {
  readonly traefik: {
    readonly enabled: boolean;
    readonly service: { readonly type: string; readonly webNodePort: number; readonly websecureNodePort: number };
  };
  readonly istio: {
    readonly ingressGateway: { readonly serviceType: string; readonly httpNodePort: number; readonly httpsNodePort: number };
  };
  readonly jaeger?: { readonly query: { readonly nodePort?: number } };
}

/** Every node port the config makes the stack synthesize (Traefik web/websecure, Istio ingress gateway). */
export function nodePortClaims(config: NodePortSources): NodePortClaim[] {
  const claims: NodePortClaim[] = [];
  const t = config.traefik;
  if (t.enabled && t.service.type !== 'ClusterIP') {
    claims.push({ path: ['traefik', 'service', 'webNodePort'], name: 'traefik web', port: t.service.webNodePort });
    claims.push({ path: ['traefik', 'service', 'websecureNodePort'], name: 'traefik websecure', port: t.service.websecureNodePort });
  }
  const gw = config.istio.ingressGateway;
  if (gw.serviceType !== 'ClusterIP') {
    claims.push({ path: ['istio', 'ingressGateway', 'httpNodePort'], name: 'istio ingress gateway http2', port: gw.httpNodePort });
    claims.push({ path: ['istio', 'ingressGateway', 'httpsNodePort'], name: 'istio ingress gateway https', port: gw.httpsNodePort });
  }
  const queryNodePort = config.jaeger?.query.nodePort;
  if (queryNodePort !== undefined) claims.push({ path: ['jaeger', 'query', 'nodePort'], name: 'jaeger query', port: queryNodePort });
  return claims;
}

/**
 * Root-level rule: two Services on one node port make the second `helm install` fail with
 * "provided port is already allocated" (and the kind mapping could reach only one of them).
 */
export function refineNodePorts(config: NodePortSources, ctx: z.RefinementCtx): void {
  const claims = nodePortClaims(config);
  // Report on both fields: either may be the one the user wrote (the other is then a default).
  for (const claim of claims) {
    for (const other of claims) {
      if (other !== claim && other.port === claim.port) {
        ctx.addIssue({
          code: 'custom',
          path: [...claim.path],
          input: claim.port,
          message: `node port ${claim.port} is also claimed by ${other.path.join('.')} (${other.name}); allowed: a different node port in 30000-32767 for each Service`,
        });
      }
    }
  }
}
