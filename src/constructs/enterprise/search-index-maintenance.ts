/**
 * Elasticsearch/OpenSearch index maintenance for Jaeger: with rollover, an init Job that creates
 * the write/read aliases and index templates, a CronJob that rolls the write index over and one
 * that moves old indices out of the read alias (lookback); the index cleaner CronJob deletes
 * indices older than N days. Credentials come from Secrets (env secretKeyRef), the CA from a
 * secret volume. Images are pinned to the Jaeger release.
 * @see https://www.jaegertracing.io/docs/2.20/storage/elasticsearch/#index-rollover
 * @see https://www.jaegertracing.io/docs/2.20/storage/elasticsearch/#removing-old-data
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { jaegerLabels } from '../jaeger/_jaeger-workload';
import { plainEnv, resourcesOf, restrictedContainerSecurity, restrictedPodSecurity, secretEnv } from './_pod-spec';
import type { StorageAccess } from './jaeger-config-extensions';

type Obj = Record<string, unknown>;

/** UID of the jaeger-es-* images (the Jaeger release's `USER 10001`). */
export const JAEGER_TOOLS_UID = 10001;
const CA_DIR = '/etc/meshtrace/storage-ca';
const JOB_RESOURCES = { cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '64Mi', memoryLimit: '256Mi' };

/**
 * Index rollover: an init Job creates the aliases, a CronJob rolls the write index over, another
 * moves old indices out of the read alias.
 * @see https://www.jaegertracing.io/docs/2.20/storage/elasticsearch/#index-rollover
 */
export interface IndexRollover {
  /** @default false */
  readonly enabled?: boolean;
  /** @default 'jaegertracing/jaeger-es-rollover:2.20.0' */
  readonly image?: string;
  /** Cron schedule of the rollover. @default '10 0 * * *' */
  readonly schedule?: string;
  /** Elasticsearch `_rollover` conditions (JSON). @default '{"max_age": "1d"}' */
  readonly conditions?: string;
  /** Cron schedule of the lookback. @default '5 0 * * *' */
  readonly lookbackSchedule?: string;
  /** Indices older than this many days leave the read alias. @default 7 */
  readonly lookbackDays?: number;
}

/**
 * Deletes indices older than `numberOfDays` (Elasticsearch has no TTL).
 * @see https://www.jaegertracing.io/docs/2.20/storage/elasticsearch/#removing-old-data
 */
export interface IndexCleaner {
  /** @default false */
  readonly enabled?: boolean;
  /** @default 'jaegertracing/jaeger-es-index-cleaner:2.20.0' */
  readonly image?: string;
  /** @default '55 23 * * *' */
  readonly schedule?: string;
  /** @default 7 */
  readonly numberOfDays?: number;
}

/** Credentials, TLS and the maintenance jobs to run. */
export interface SearchIndexOps extends StorageAccess {
  /** @default - no rollover */
  readonly rollover?: IndexRollover;
  /** @default - no index cleaner */
  readonly indexCleaner?: IndexCleaner;
}

export interface SearchIndexMaintenanceProps {
  /**
   * URL of the store (the first of `jaeger.storage.serverUrls`).
   */
  readonly serverUrl: string;
  /**
   * `jaeger.storage.indexPrefix`: the jobs must address the indices Jaeger writes.
   * @default 'jaeger'
   */
  readonly indexPrefix?: string;
  /** Shards of the indices the init Job creates. @default 1 */
  readonly shards?: number;
  /** Replicas of the indices the init Job creates. @default 0 */
  readonly indexReplicas?: number;
  /**
   * Credentials, TLS, rollover and cleaner settings.
   */
  readonly ops: SearchIndexOps;
}

/** Env shared by every job: prefix, credentials from Secrets, TLS. */
export function maintenanceEnv(props: Pick<SearchIndexMaintenanceProps, 'indexPrefix' | 'ops'>): Record<string, unknown>[] {
  const { ops } = props;
  return [
    plainEnv('INDEX_PREFIX', props.indexPrefix ?? 'jaeger'),
    ...(ops.credentials ? [secretEnv('ES_USERNAME', ops.credentials.username), secretEnv('ES_PASSWORD', ops.credentials.password)] : []),
    ...(ops.tls ? [plainEnv('ES_TLS_ENABLED', 'true'), plainEnv('ES_TLS_SKIP_HOST_VERIFY', String(ops.tls.skipHostVerify ?? false))] : []),
    ...(ops.tls?.ca ? [plainEnv('ES_TLS_CA', `${CA_DIR}/${ops.tls.ca.key}`)] : []),
  ];
}

export class SearchIndexMaintenance extends Construct {
  /** Names of the Jobs and CronJobs created. */
  readonly jobNames: string[] = [];

  constructor(scope: Construct, id: string, props: SearchIndexMaintenanceProps) {
    super(scope, id);
    if (!/^https?:\/\//.test(props.serverUrl))
      throw new Error(
        `SearchIndexMaintenance: serverUrl ${JSON.stringify(props.serverUrl)} is not an http(s) URL; allowed: e.g. https://es.example.com:9200`,
      );
    const { ops } = props;
    const env = maintenanceEnv(props);
    const ca = ops.tls?.ca;
    const podSpec = (name: string, image: string, args: string[], extraEnv: Obj[]): Obj => ({
      restartPolicy: 'OnFailure',
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurity(JAEGER_TOOLS_UID),
      containers: [
        {
          name,
          image,
          imagePullPolicy: 'IfNotPresent',
          args,
          env: [...env, ...extraEnv],
          resources: resourcesOf(JOB_RESOURCES),
          securityContext: restrictedContainerSecurity(JAEGER_TOOLS_UID),
          ...(ca ? { volumeMounts: [{ name: 'storage-ca', mountPath: CA_DIR, readOnly: true }] } : {}),
        },
      ],
      ...(ca ? { volumes: [{ name: 'storage-ca', secret: { secretName: ca.name, items: [{ key: ca.key, path: ca.key }] } }] } : {}),
    });
    const cronJob = (name: string, schedule: string, image: string, args: string[], extraEnv: Obj[] = []) => {
      this.jobNames.push(name);
      new ApiObject(this, name, {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name, labels: jaegerLabels(name) },
        spec: {
          schedule,
          // Two maintenance runs against one index set at once can race (double rollover).
          concurrencyPolicy: 'Forbid',
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 3,
              template: {
                metadata: { labels: { ...jaegerLabels(name), 'sidecar.istio.io/inject': 'false' } },
                spec: podSpec(name, image, args, extraEnv),
              },
            },
          },
        },
      });
    };
    if (ops.rollover?.enabled) this.addRollover(props, ops.rollover, podSpec, cronJob);
    if (ops.indexCleaner?.enabled) {
      const c = ops.indexCleaner;
      const image = c.image ?? 'jaegertracing/jaeger-es-index-cleaner:2.20.0';
      cronJob(
        'jaeger-es-index-cleaner',
        c.schedule ?? '55 23 * * *',
        image,
        [String(c.numberOfDays ?? 7), props.serverUrl],
        ops.rollover?.enabled ? [plainEnv('ROLLOVER', 'true')] : [],
      );
    }
  }

  /** The rollover set: an init Job that creates the indices and aliases, then rollover and lookback CronJobs. */
  private addRollover(
    props: SearchIndexMaintenanceProps,
    given: NonNullable<SearchIndexMaintenanceProps['ops']['rollover']>,
    podSpec: (name: string, image: string, args: string[], extraEnv: Obj[]) => Obj,
    cronJob: (name: string, schedule: string, image: string, args: string[], extraEnv?: Obj[]) => void,
  ): void {
    const r = {
      image: given.image ?? 'jaegertracing/jaeger-es-rollover:2.20.0',
      schedule: given.schedule ?? '10 0 * * *',
      conditions: given.conditions ?? '{"max_age": "1d"}',
      lookbackSchedule: given.lookbackSchedule ?? '5 0 * * *',
      lookbackDays: given.lookbackDays ?? 7,
    };
    this.jobNames.push('jaeger-es-rollover-init');
    new ApiObject(this, 'rollover-init', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'jaeger-es-rollover-init', labels: jaegerLabels('es-rollover-init') },
      spec: {
        // Retries until the store is reachable (it must exist before Jaeger writes through aliases).
        backoffLimit: 10,
        ttlSecondsAfterFinished: 86400,
        template: {
          metadata: { labels: { ...jaegerLabels('es-rollover-init'), 'sidecar.istio.io/inject': 'false' } },
          spec: podSpec(
            'es-rollover-init',
            r.image,
            ['init', props.serverUrl],
            [plainEnv('SHARDS', String(props.shards ?? 1)), plainEnv('REPLICAS', String(props.indexReplicas ?? 0))],
          ),
        },
      },
    });
    cronJob('jaeger-es-rollover', r.schedule, r.image, ['rollover', props.serverUrl], [plainEnv('CONDITIONS', r.conditions)]);
    cronJob(
      'jaeger-es-lookback',
      r.lookbackSchedule,
      r.image,
      ['lookback', props.serverUrl],
      [plainEnv('UNIT', 'days'), plainEnv('UNIT_COUNT', String(r.lookbackDays))],
    );
  }
}
