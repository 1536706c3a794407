/**
 * Root-level rules between the enterprise sections (`security`, `spm`, `storageOps`, `kafka`,
 * `multicluster`) and the rest of the config: each names the field, the value and what is allowed.
 */
import type { z } from 'zod';
import type { JaegerConfig } from './jaeger';
import type { KafkaConfig } from './kafka';
import type { MulticlusterConfig } from './multicluster';
import type { SecurityConfig } from './security';
import type { SpmConfig } from './spm';
import type { StorageOpsConfig } from './storage-ops';

export interface EnterpriseSources {
  readonly jaeger: JaegerConfig;
  readonly security: SecurityConfig;
  readonly spm: SpmConfig;
  readonly storageOps: StorageOpsConfig;
  readonly kafka: KafkaConfig;
  readonly multicluster: MulticlusterConfig;
}

/** True when this cluster runs an edge collector instead of its own Jaeger. */
export function isEdgeCluster(config: Pick<EnterpriseSources, 'multicluster'>): boolean {
  return config.multicluster.centralCollector !== undefined;
}

const SEARCH = ['elasticsearch', 'opensearch'];

type Issue = (path: (string | number)[], input: unknown, message: string) => void;

/** storageOps Jobs and settings against the Jaeger storage type. */
function storageOpsIssues(config: EnterpriseSources, issue: Issue): void {
  const storage = config.jaeger.storage.type;
  const ops = config.storageOps;
  if (ops.rollover.enabled && !SEARCH.includes(storage))
    issue(
      ['storageOps', 'rollover', 'enabled'],
      true,
      `needs jaeger.storage.type elasticsearch or opensearch (got ${storage}); allowed: false with ${storage}`,
    );
  if (ops.indexCleaner.enabled && !SEARCH.includes(storage))
    issue(
      ['storageOps', 'indexCleaner', 'enabled'],
      true,
      `needs jaeger.storage.type elasticsearch or opensearch (got ${storage}); allowed: false with ${storage}`,
    );
  if (ops.cassandraSchema.enabled && storage !== 'cassandra')
    issue(
      ['storageOps', 'cassandraSchema', 'enabled'],
      true,
      `needs jaeger.storage.type cassandra (got ${storage}); allowed: false with ${storage}`,
    );
  if (ops.cassandraSchema.enabled && config.jaeger.storage.type === 'cassandra' && config.jaeger.storage.createSchema) {
    issue(
      ['jaeger', 'storage', 'createSchema'],
      true,
      'races the schema Job (both create the keyspace); allowed: false when storageOps.cassandraSchema is enabled',
    );
  }
  for (const field of ['credentials', 'tls'] as const) {
    if (ops[field] && ![...SEARCH, 'cassandra'].includes(storage))
      issue(
        ['storageOps', field],
        ops[field],
        `applies to an external store; allowed with jaeger.storage.type ${storage}: none (use elasticsearch, opensearch or cassandra)`,
      );
  }
  if (ops.tls && SEARCH.includes(storage) && 'serverUrls' in config.jaeger.storage) {
    config.jaeger.storage.serverUrls.forEach((url, i) => {
      if (url.startsWith('http://'))
        issue(['jaeger', 'storage', 'serverUrls', i], url, 'is plain http while storageOps.tls is set; allowed: an https:// URL');
    });
  }
}

/** Kafka between collectors and ingesters needs brokers, the split topology and shared storage. */
function kafkaIssues(config: EnterpriseSources, issue: Issue): void {
  const k = config.kafka;
  const storage = config.jaeger.storage.type;
  if (k.enabled) {
    if (k.brokers.length === 0) issue(['kafka', 'brokers'], [], 'is empty; allowed: one or more host:port broker addresses');
    if (config.jaeger.topology !== 'split')
      issue(
        ['kafka', 'enabled'],
        true,
        `needs jaeger.topology split (got ${config.jaeger.topology}): collectors produce, ingesters consume; allowed: false with allInOne`,
      );
    if (storage === 'memory')
      issue(['kafka', 'enabled'], true, 'needs storage an ingester can share; allowed with jaeger.storage.type memory: false');
  }
}

/** An edge cluster (centralCollector set): endpoint form per protocol, and no sections that need a local Jaeger. */
function edgeClusterIssues(config: EnterpriseSources, issue: Issue): void {
  const k = config.kafka;
  const m = config.multicluster;
  if (m.centralCollector) {
    const c = m.centralCollector;
    if (!m.clusterName)
      issue(
        ['multicluster', 'clusterName'],
        undefined,
        "is required with centralCollector (--central-collector); allowed: this cluster's name (--cluster NAME), stamped as k8s.cluster.name",
      );
    if (c.protocol === 'grpc' && !/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(c.endpoint))
      issue(
        ['multicluster', 'centralCollector', 'endpoint'],
        c.endpoint,
        'is not host:port; allowed with protocol grpc: e.g. otlp.central.example.com:4317',
      );
    if (c.protocol === 'http' && !/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/\S*)?$/.test(c.endpoint))
      issue(
        ['multicluster', 'centralCollector', 'endpoint'],
        c.endpoint,
        'is not an http(s) URL; allowed with protocol http: e.g. https://otlp.central.example.com:4318',
      );
    if (c.protocol === 'http' && c.tls.enabled && c.endpoint.startsWith('http://'))
      issue(
        ['multicluster', 'centralCollector', 'endpoint'],
        c.endpoint,
        'is plain http while tls.enabled is true; allowed: an https:// URL, or tls.enabled: false',
      );
    if (c.protocol === 'http' && !c.tls.enabled && c.endpoint.startsWith('https://'))
      issue(
        ['multicluster', 'centralCollector', 'tls', 'enabled'],
        false,
        'contradicts the https:// endpoint; allowed: true, or an http:// endpoint',
      );
    if (config.spm.enabled)
      issue(
        ['spm', 'enabled'],
        true,
        'needs a Jaeger in this cluster, but an edge cluster forwards to the central one; allowed: false here (enable spm in the central cluster)',
      );
    if (k.enabled)
      issue(
        ['kafka', 'enabled'],
        true,
        'needs a Jaeger in this cluster, but an edge cluster forwards to the central one; allowed: false here',
      );
    if (config.security.oauth2Proxy)
      issue(
        ['security', 'oauth2Proxy'],
        config.security.oauth2Proxy.clientId,
        'fronts jaeger-query, which an edge cluster does not run; allowed: unset here',
      );
  }
}

/** oauth2-proxy: OIDC providers need an issuer URL; the cookie secret is its own Secret key. */
function oauth2ProxyIssues(config: EnterpriseSources, issue: Issue): void {
  const p = config.security.oauth2Proxy;
  if (p && ['oidc', 'keycloak-oidc', 'entra-id'].includes(p.provider) && !p.oidcIssuerUrl) {
    issue(
      ['security', 'oauth2Proxy', 'oidcIssuerUrl'],
      undefined,
      `is missing; allowed: the issuer URL of the ${p.provider} provider, e.g. https://keycloak.example.com/realms/main`,
    );
  }
  if (p && p.clientSecret.name === p.cookieSecret.name && p.clientSecret.key === p.cookieSecret.key) {
    issue(
      ['security', 'oauth2Proxy', 'cookieSecret', 'key'],
      p.cookieSecret.key,
      'is the same Secret key as clientSecret; allowed: a separate random 32-byte cookie secret',
    );
  }
}

export function refineEnterprise(config: EnterpriseSources, ctx: z.RefinementCtx): void {
  const issue: Issue = (path, input, message) => ctx.addIssue({ code: 'custom', path, input, message });
  storageOpsIssues(config, issue);
  kafkaIssues(config, issue);
  edgeClusterIssues(config, issue);
  oauth2ProxyIssues(config, issue);
}
