/**
 * The Cassandra schema Job: creates Jaeger's keyspace and tables with the production replication
 * settings (`MODE=prod`: NetworkTopologyStrategy in one datacenter) before collectors start.
 * @see https://www.jaegertracing.io/docs/2.20/storage/cassandra/#schema-script
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { StorageOpsConfig } from '../../config/storage-ops';
import { jaegerLabels } from '../jaeger/_jaeger-workload';
import { plainEnv, resourcesOf, restrictedContainerSecurity, restrictedPodSecurity, secretEnv } from './_pod-spec';
import { JAEGER_TOOLS_UID } from './search-index-maintenance';

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
   */
  readonly ops: StorageOpsConfig;
}

export class CassandraSchemaJob extends Construct {
  readonly job: ApiObject;

  constructor(scope: Construct, id: string, props: CassandraSchemaJobProps) {
    super(scope, id);
    const m = /^([A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(props.server);
    if (!m) throw new Error(`CassandraSchemaJob: server ${JSON.stringify(props.server)} is not host:port; allowed: e.g. cassandra.db.svc.cluster.local:9042`);
    const s = props.ops.cassandraSchema;
    const ca = props.ops.tls?.ca;
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
            containers: [{
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
                ...(props.ops.credentials ? [secretEnv('CASSANDRA_USERNAME', props.ops.credentials.username), secretEnv('CASSANDRA_PASSWORD', props.ops.credentials.password)] : []),
                ...(props.ops.tls ? [plainEnv('CQLSH_SSL', '--ssl')] : []),
                ...(ca ? [plainEnv('SSL_CERTFILE', `/etc/meshtrace/storage-ca/${ca.key}`)] : []),
              ],
              resources: resourcesOf({ cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '512Mi' }),
              securityContext: restrictedContainerSecurity(JAEGER_TOOLS_UID),
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(ca ? [{ name: 'storage-ca', mountPath: '/etc/meshtrace/storage-ca', readOnly: true }] : [])],
            }],
            volumes: [{ name: 'tmp', emptyDir: {} }, ...(ca ? [{ name: 'storage-ca', secret: { secretName: ca.name, items: [{ key: ca.key, path: ca.key }] } }] : [])],
          },
        },
      },
    });
  }
}
