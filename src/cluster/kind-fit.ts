/**
 * Whether a config's stack can run on a throw-away kind cluster, and if not, why (pure).
 * `up`/`smoke` create the cluster from nothing, so anything the stack expects to find already
 * there — an external trace store, Kafka brokers, a central collector, an identity provider — is
 * missing on kind: those configs get exit 2 with the reason instead of a plan that would fail.
 */
import type { MeshtraceConfig } from '../config/schema';

/** One line per thing kind cannot provide; empty when the stack fits on kind. */
export function kindMisfits(config: MeshtraceConfig): string[] {
  const reasons: string[] = [];
  if (!config.kind.enabled) {
    reasons.push(
      'the config turns the kind cluster config off (kind.enabled: false; the production profile does): there is no dist/install/kind.yaml to create a cluster from',
    );
  }
  // an edge of a multi-cluster setup runs no Jaeger of its own: its storage settings are unused
  if (config.multicluster.centralCollector) return reasons;
  const storage = config.jaeger.storage;
  if (storage.type === 'elasticsearch' || (storage.type === 'opensearch' && !storage.inCluster)) {
    reasons.push(
      `Jaeger stores traces in an external ${storage.type} (${storage.serverUrls.join(', ')}), which a new kind cluster does not have (in-cluster choices: remoteStorage, memory, opensearch with inCluster: {})`,
    );
  } else if (storage.type === 'cassandra') {
    reasons.push(
      `Jaeger stores traces in an external Cassandra (${storage.servers.join(', ')}), which a new kind cluster does not have (in-cluster choices: remoteStorage, memory, opensearch with inCluster: {})`,
    );
  }
  if (config.kafka.enabled) {
    reasons.push(`spans go through external Kafka brokers (${config.kafka.brokers.join(', ')}), which a new kind cluster does not have`);
  }
  return reasons;
}
