/**
 * Config section `security`: who may reach the tracing backend. NetworkPolicies admit only the
 * stack's sender namespaces to the collector and nobody (but port-forwards) to the query UI;
 * an optional oauth2-proxy puts a login in front of the UI, still ClusterIP only.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 * @see https://oauth2-proxy.github.io/oauth2-proxy/
 */
import { z } from 'zod';
import { dnsLabel, httpUrl, imageRef, replicas, resourcesSchema } from './common';
import { secretKeyRefSchema } from './secret-ref';

export const OAUTH2_PROXY_PROVIDERS = ['oidc', 'keycloak-oidc', 'github', 'gitlab', 'google', 'entra-id'] as const;

const oauth2ProxySchema = z.strictObject({
  /** Pinned oauth2-proxy image (distroless, runs as 65532). */
  image: imageRef.default('quay.io/oauth2-proxy/oauth2-proxy:v7.12.0'),
  provider: z.enum(OAUTH2_PROXY_PROVIDERS).default('oidc'),
  /** OIDC issuer (providers oidc, keycloak-oidc, entra-id). */
  oidcIssuerUrl: httpUrl.optional(),
  /** OAuth client id (not a secret). */
  clientId: z.string().min(1, { message: 'is empty; allowed: the OAuth client id registered for the Jaeger UI' }),
  /** The OAuth client secret, from a Secret in the observability namespace. */
  clientSecret: secretKeyRefSchema,
  /** 16, 24 or 32 byte cookie secret, from a Secret in the observability namespace. */
  cookieSecret: secretKeyRefSchema,
  /** External callback URL (`https://jaeger.example.com/oauth2/callback`); unset = derived from the request. */
  redirectUrl: httpUrl.optional(),
  /** E-mail domains allowed in; `*` = anyone the provider authenticates. */
  emailDomains: z.array(z.string().min(1)).min(1).default(['*']),
  replicas: replicas.default(1),
  resources: resourcesSchema.default({ cpuRequest: '10m', cpuLimit: '200m', memoryRequest: '32Mi', memoryLimit: '128Mi' }),
});

export const securitySchema = z.strictObject({
  networkPolicies: z
    .strictObject({
      /**
       * Explicit ingress rules for every Jaeger pod, in every profile: only the stack's sender
       * namespaces reach the collector, nothing but a port-forward reaches the query UI (it has no login).
       */
      enabled: z.boolean().default(true),
      /** More namespaces whose pods send spans (besides Bookinfo, HotROD, relay, Traefik, istio-system). */
      senderNamespaces: z.array(dnsLabel).default([]),
      /** Namespaces allowed to scrape the metrics ports (8888, span metrics 8889). */
      monitoringNamespaces: z.array(dnsLabel).default(['monitoring']),
    })
    .prefault({}),
  /** An oauth2-proxy Deployment + ClusterIP Service `jaeger-ui` in front of jaeger-query. */
  oauth2Proxy: oauth2ProxySchema.optional(),
});
export type SecurityConfig = z.infer<typeof securitySchema>;
export type OAuth2ProxyConfig = z.infer<typeof oauth2ProxySchema>;
