/**
 * oauth2-proxy in front of the Jaeger UI: Deployment + ClusterIP Service `jaeger-ui` (4180) that
 * authenticates against an OAuth2/OIDC provider and proxies to `jaeger-query:16686`. Never
 * exposed by the kit: route an Ingress/Gateway of your own to `jaeger-ui`, or port-forward it.
 * Client and cookie secrets come from Secrets.
 * @see https://oauth2-proxy.github.io/oauth2-proxy/configuration/overview
 * @see https://www.jaegertracing.io/docs/2.20/deployment/security/
 */
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import {
  containerDefaults,
  DEFAULT_NON_ROOT_UID,
  finishWorkload,
  labeledService,
  podDefaults,
  type ResourceQuantities,
  type SecretKeyRef,
} from '../workload-defaults';
import { JAEGER_PORTS, JAEGER_QUERY_SERVICE } from '../jaeger/jaeger-ports';

export const JAEGER_UI_SERVICE = 'jaeger-ui';
export const OAUTH2_PROXY_PORT = 4180;
export const OAUTH2_PROXY_LABELS = {
  'app.kubernetes.io/name': 'oauth2-proxy',
  'app.kubernetes.io/component': 'jaeger-ui-auth',
  'app.kubernetes.io/part-of': 'meshtrace',
} as const;

/**
 * The oauth2-proxy in front of the UI: provider, client, Secrets, who may log in.
 * @see https://oauth2-proxy.github.io/oauth2-proxy/configuration/providers/
 */
export interface OAuth2ProxySettings {
  /** @default 'quay.io/oauth2-proxy/oauth2-proxy:v7.12.0' */
  readonly image?: string;
  /** oauth2-proxy `--provider`. @default 'oidc' */
  readonly provider?: 'oidc' | 'keycloak-oidc' | 'github' | 'gitlab' | 'google' | 'entra-id';
  /** OIDC issuer (providers oidc, keycloak-oidc, entra-id). @default - none */
  readonly oidcIssuerUrl?: string;
  /** OAuth client id (not a secret). */
  readonly clientId: string;
  /** The OAuth client secret, from a Secret in the proxy's namespace. */
  readonly clientSecret: SecretKeyRef;
  /** 16, 24 or 32 byte cookie secret, from a Secret in the proxy's namespace. */
  readonly cookieSecret: SecretKeyRef;
  /** External callback URL. @default - derived from the request */
  readonly redirectUrl?: string;
  /** E-mail domains allowed in; `*` = anyone the provider authenticates. @default ['*'] */
  readonly emailDomains?: readonly string[];
  /** @default 1 */
  readonly replicas?: number;
  /** @default - 10m/200m CPU, 32Mi/128Mi memory */
  readonly resources?: ResourceQuantities;
}

export interface JaegerUiOAuth2ProxyProps {
  /**
   * Provider, client id, Secret references, allowed e-mail domains, image, replicas, resources.
   * @see https://oauth2-proxy.github.io/oauth2-proxy/configuration/providers/
   */
  readonly proxy: OAuth2ProxySettings;
  /**
   * UI path prefix of jaeger-query (`jaeger.query.basePath`).
   * @default ''
   */
  readonly basePath?: string;
}

export class JaegerUiOAuth2Proxy extends Construct {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;

  constructor(scope: Construct, id: string, props: JaegerUiOAuth2ProxyProps) {
    super(scope, id);
    const p = props.proxy;
    const secret = (ref: { name: string; key: string }, sid: string) =>
      kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(this, sid, ref.name), key: ref.key });
    const args = [
      `--http-address=0.0.0.0:${OAUTH2_PROXY_PORT}`,
      `--provider=${p.provider ?? 'oidc'}`,
      `--client-id=${p.clientId}`,
      `--upstream=http://${JAEGER_QUERY_SERVICE}:${JAEGER_PORTS.queryHttp}${props.basePath ?? ''}/`,
      ...(p.emailDomains ?? ['*']).map((d) => `--email-domain=${d}`),
      ...(p.oidcIssuerUrl ? [`--oidc-issuer-url=${p.oidcIssuerUrl}`] : []),
      ...(p.redirectUrl ? [`--redirect-url=${p.redirectUrl}`] : []),
      '--cookie-secure=true',
      '--cookie-samesite=lax',
      '--skip-provider-button=true',
      '--reverse-proxy=true',
      // Probes hit /ping without a login.
      '--ping-path=/ping',
    ];
    const probe = (delay: number) =>
      kplus.Probe.fromHttpGet('/ping', {
        port: OAUTH2_PROXY_PORT,
        initialDelaySeconds: Duration.seconds(delay),
        periodSeconds: Duration.seconds(10),
      });
    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: 'jaeger-ui-oauth2-proxy', labels: { ...OAUTH2_PROXY_LABELS } },
      replicas: p.replicas ?? 1,
      ...podDefaults({ user: DEFAULT_NON_ROOT_UID }),
      podMetadata: { labels: { 'sidecar.istio.io/inject': 'false' } },
      containers: [
        {
          name: 'oauth2-proxy',
          image: p.image ?? 'quay.io/oauth2-proxy/oauth2-proxy:v7.12.0',
          args,
          // Secrets as env, read by oauth2-proxy itself: never on the command line or in the manifest.
          envVariables: {
            OAUTH2_PROXY_CLIENT_SECRET: secret(p.clientSecret, 'ClientSecret'),
            OAUTH2_PROXY_COOKIE_SECRET: secret(p.cookieSecret, 'CookieSecret'),
          },
          ports: [{ number: OAUTH2_PROXY_PORT, name: 'http-proxy' }],
          ...containerDefaults({
            resources: p.resources ?? { cpuRequest: '10m', cpuLimit: '200m', memoryRequest: '32Mi', memoryLimit: '128Mi' },
            user: DEFAULT_NON_ROOT_UID,
          }),
          readiness: probe(1),
          liveness: probe(10),
        },
      ],
    });
    finishWorkload(this.deployment, { ...OAUTH2_PROXY_LABELS });
    // ClusterIP only: exposing the UI is the platform's choice (Ingress/Gateway with TLS), never a default.
    this.service = labeledService(this, 'Service', {
      name: JAEGER_UI_SERVICE,
      selector: { ...OAUTH2_PROXY_LABELS },
      labels: { ...OAUTH2_PROXY_LABELS },
      ports: [{ name: 'http-ui', port: OAUTH2_PROXY_PORT }],
    });
  }
}
