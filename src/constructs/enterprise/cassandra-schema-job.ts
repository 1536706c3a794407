/**
 * The Cassandra schema Job: creates Jaeger's keyspace and tables with the production replication
 * settings (`MODE=prod`: NetworkTopologyStrategy in one datacenter) before collectors start.
 * @see https://www.jaegertracing.io/docs/2.20/storage/cassandra/#schema-script
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { jaegerLabels } from '../jaeger/_jaeger-workload';
import { plainEnv, resourcesOf, restrictedContainerSecurity, restrictedPodSecurity, secretEnv } from './_pod-spec';
import type { StorageAccess } from './jaeger-config-extensions';
import { JAEGER_TOOLS_UID } from './search-index-maintenance';

/** Replication and TTL of the schema the Job creates (`MODE=prod`). */
export interface CassandraSchemaSettings {
  /** @default 'jaegertracing/jaeger-cassandra-schema:2.20.0' */
  readonly image?: string;
  /** Datacenter of NetworkTopologyStrategy. @default 'dc1' */
  readonly datacenter?: string;
  /** @default 3 */
  readonly replicationFactor?: number;
  /** Span TTL in days. @default 2 */
  readonly traceTtlDays?: number;
}

/** Credentials and TLS of the Cassandra cluster, and the schema settings. */
export interface CassandraSchemaOps extends Omit<StorageAccess, 'rollover'> {
  /** @default - the defaults of {@link CassandraSchemaSettings} */
  readonly cassandraSchema?: CassandraSchemaSettings;
}

export interface CassandraSchemaJobProps {
  /**
   * Contact point `host:port` (the first of `jaeger.storage.servers`).
   */
  readonly server: string;
  /**
   * Keyspace Jaeger reads and writes (`jaeger.storage.keyspace`).
   */
  readonly keyspace: string;
  /**
   * Schema settings, credentials and TLS.
   * @default - no credentials, no TLS, the schema defaults
   */
  readonly ops?: CassandraSchemaOps;
}

export class CassandraSchemaJob extends Construct {
  readonly job: ApiObject;

  constructor(scope: Construct, id: string, props: CassandraSchemaJobProps) {
    super(scope, id);
    const m = /^([A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(props.server);
    if (!m)
      throw new Error(
        `CassandraSchemaJob: server ${JSON.stringify(props.server)} is not host:port; allowed: e.g. cassandra.db.svc.cluster.local:9042`,
      );
    const ops = props.ops ?? {};
    const given = ops.cassandraSchema ?? {};
    const s = {
      image: given.image ?? 'jaegertracing/jaeger-cassandra-schema:2.20.0',
      datacenter: given.datacenter ?? 'dc1',
      replicationFactor: given.replicationFactor ?? 3,
      traceTtlDays: given.traceTtlDays ?? 2,
    };
    const ca = ops.tls?.ca;
    const labels = jaegerLabels('cassandra-schema');
    this.job = new ApiObject(this, 'Job', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'jaeger-cassandra-schema', labels },
      spec: {
        backoffLimit: 10,
        ttlSecondsAfterFinished: 86400,
        template: {
          metadata: { labels: { ...labels, 'sidecar.istio.io/inject': 'false' } },
          spec: {
            restartPolicy: 'OnFailure',
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurity(JAEGER_TOOLS_UID),
            containers: [
              {
                name: 'cassandra-schema',
                image: s.image,
                imagePullPolicy: 'IfNotPresent',
                env: [
                  plainEnv('CQLSH_HOST', m[1]!),
                  plainEnv('CQLSH_PORT', m[2]!),
                  plainEnv('MODE', 'prod'),
                  plainEnv('DATACENTER', s.datacenter),
                  plainEnv('KEYSPACE', props.keyspace),
                  plainEnv('REPLICATION_FACTOR', String(s.replicationFactor)),
                  plainEnv('TRACE_TTL', String(s.traceTtlDays * 86400)),
                  // cqlsh writes its history under $HOME; the root filesystem is read-only.
                  plainEnv('HOME', '/tmp'),
                  ...(ops.credentials
                    ? [secretEnv('CASSANDRA_USERNAME', ops.credentials.username), secretEnv('CASSANDRA_PASSWORD', ops.credentials.password)]
                    : []),
                  ...(ops.tls ? [plainEnv('CQLSH_SSL', '--ssl')] : []),
                  ...(ca ? [plainEnv('SSL_CERTFILE', `/etc/meshtrace/storage-ca/${ca.key}`)] : []),
                ],
                resources: resourcesOf({ cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '512Mi' }),
                securityContext: restrictedContainerSecurity(JAEGER_TOOLS_UID),
                volumeMounts: [
                  { name: 'tmp', mountPath: '/tmp' },
                  ...(ca ? [{ name: 'storage-ca', mountPath: '/etc/meshtrace/storage-ca', readOnly: true }] : []),
                ],
              },
            ],
            volumes: [
              { name: 'tmp', emptyDir: {} },
              ...(ca ? [{ name: 'storage-ca', secret: { secretName: ca.name, items: [{ key: ca.key, path: ca.key }] } }] : []),
            ],
          },
        },
      },
    });
  }
}
