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
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'is not a kind cluster name; allowed: lower-case letters, digits and "-"' }).max(50).default('meshtrace'),
  /** kind v0.32.0's default node image, pinned by digest. */
  nodeImage: z
    .string()
    .regex(/^[\w./-]+(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/, { message: 'is not an image reference; allowed: kindest/node:vX.Y.Z[@sha256:<digest>]' })
    .refine((s) => s.includes(':'), { message: 'has no tag or digest; allowed: a pinned kindest/node image' })
    .default('kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5'),
  workers: z.number().int().min(0).max(10).default(0),
  /** Host address the mappings bind; 127.0.0.1 keeps lab services off the network. */
  listenAddress: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-fA-F:]+$/, { message: 'is not an IP address; allowed: e.g. 127.0.0.1' }).default('127.0.0.1'),
  /** Host ports (what users open); the node side always equals the synthesized nodePort. */
  hostPorts: z
    .strictObject({
      /** http://hotrod.localhost:8000 as in the seed tutorial. */
      traefikWeb: hostPort.default(8000),
      traefikWebsecure: hostPort.default(8443),
      istioIngressHttp: hostPort.default(8081),
      istioIngressHttps: hostPort.default(8444),
    })
    .prefault({}),
});
export type KindConfig = z.infer<typeof kindSchema>;
