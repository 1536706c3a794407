/**
 * Reference checks for the enterprise capabilities (docs/enterprise.md): what one object names
 * must exist, or be the same, in another.
 *
 * - `enterprise/env-reference`: every `${env:NAME}` (without a `:-default`) in a collector config is
 *   set on every container that runs it. An unset variable expands to "" (a store password that is
 *   silently empty), so it is an error.
 * - `enterprise/secret-ref`: every Secret a pod reads (env secretKeyRef, secret volumes) is listed
 *   once per namespace (info: create it before `kubectl apply`); when the Secret itself is in the
 *   folder, the key must be in it.
 * - `enterprise/kafka`: a collector's kafka exporter and an ingester's kafka receiver use the same
 *   topic and encoding and share brokers written as host:port; a producer without a consumer (or the
 *   reverse) is a warning.
 * - `enterprise/metrics-backend`: jaeger_query's `storage.metrics` names a `metric_backends` entry,
 *   and the spanmetrics connector both receives (exporter side) and emits (receiver side).
 */
import type { Finding, ManifestDoc } from './finding';
import { findingFor, type CheckContext } from './context';
import { collectorConfigs, pipelines } from './jaeger-config';
import { asArray, containersOf, getPath, isRecord, nameOf, namespaceOf, type Obj } from './objects';

const LINK_ENV = 'https://opentelemetry.io/docs/collector/configuration/#environment-variables';
const LINK_SECRET = 'https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables';
const LINK_KAFKA = 'https://www.jaegertracing.io/docs/2.20/deployment/kafka/';
const LINK_SPM = 'https://www.jaegertracing.io/docs/2.20/architecture/spm/';

function envReferences(value: unknown, path: string, out: { name: string; path: string }[]): void {
  if (typeof value === 'string') {
    for (const m of value.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)) if (!m[2]) out.push({ name: m[1]!, path });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => envReferences(v, `${path}[${i}]`, out));
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) envReferences(v, path ? `${path}.${k}` : k, out);
  }
}

function checkEnvReferences(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const cfg of collectorConfigs(ctx)) {
    const refs: { name: string; path: string }[] = [];
    envReferences(cfg.config, '', refs);
    if (refs.length === 0) continue;
    for (const t of cfg.workloads) {
      for (const c of containersOf(t, ['containers'])) {
        // envFrom can define anything: nothing to say offline.
        if (asArray(c.container.envFrom).length > 0) continue;
        const defined = new Set(asArray(c.container.env).map((e) => (isRecord(e) ? String(e.name) : '')));
        for (const ref of refs.filter((r) => !defined.has(r.name))) {
          out.push(
            findingFor(cfg.doc, {
              rule: 'enterprise/env-reference',
              severity: 'error',
              field: `${cfg.field} ${ref.path}`,
              message: `\${env:${ref.name}} is not set on container ${c.name} of ${String(t.owner.kind)} ${nameOf(t.owner)}: the collector expands it to "" (an empty credential or endpoint)`,
              fix: `add env ${ref.name} (from a Secret with valueFrom.secretKeyRef) to the container, or write \${env:${ref.name}:-default}`,
              link: LINK_ENV,
            }),
          );
        }
      }
    }
  }
  return out;
}

interface SecretUse {
  namespace: string;
  name: string;
  key?: string;
  where: string;
  doc: ManifestDoc;
}

function secretUses(ctx: CheckContext): SecretUse[] {
  const out: SecretUse[] = [];
  for (const t of ctx.templates) {
    for (const c of containersOf(t)) {
      asArray(c.container.env).forEach((e, i) => {
        const ref = getPath(e, 'valueFrom.secretKeyRef');
        if (isRecord(ref))
          out.push({
            namespace: t.namespace,
            name: String(ref.name ?? ''),
            key: String(ref.key ?? ''),
            where: `${c.path}.env[${i}]`,
            doc: t.doc,
          });
      });
      asArray(c.container.envFrom).forEach((e, i) => {
        const ref = getPath(e, 'secretRef');
        if (isRecord(ref)) out.push({ namespace: t.namespace, name: String(ref.name ?? ''), where: `${c.path}.envFrom[${i}]`, doc: t.doc });
      });
    }
    asArray(t.spec.volumes).forEach((v, i) => {
      const secret = getPath(v, 'secret');
      if (!isRecord(secret)) return;
      const items = asArray(secret.items).filter(isRecord);
      if (items.length === 0)
        out.push({ namespace: t.namespace, name: String(secret.secretName ?? ''), where: `${t.specPath}.volumes[${i}]`, doc: t.doc });
      for (const item of items)
        out.push({
          namespace: t.namespace,
          name: String(secret.secretName ?? ''),
          key: String(item.key ?? ''),
          where: `${t.specPath}.volumes[${i}]`,
          doc: t.doc,
        });
    });
  }
  return out;
}

function checkSecretRefs(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  const uses = secretUses(ctx);
  const needed = new Map<string, { uses: SecretUse[]; keys: Set<string> }>();
  for (const u of uses) {
    if (!u.name || u.key === '') {
      out.push(
        findingFor(u.doc, {
          rule: 'enterprise/secret-ref',
          severity: 'error',
          field: u.where,
          message: `Secret reference without ${!u.name ? 'a name' : 'a key'}: the pod cannot start (CreateContainerConfigError)`,
          fix: 'name the Secret and the key inside it',
          link: LINK_SECRET,
        }),
      );
      continue;
    }
    const id = `${u.namespace}/${u.name}`;
    const entry = needed.get(id) ?? { uses: [], keys: new Set<string>() };
    entry.uses.push(u);
    if (u.key) entry.keys.add(u.key);
    needed.set(id, entry);
  }
  for (const [id, { uses: us, keys }] of needed) {
    const [namespace, name] = id.split('/') as [string, string];
    const secret = ctx.byKind('Secret').find((s) => nameOf(s.object) === name && namespaceOf(s.object) === namespace);
    if (secret) {
      const present = new Set([
        ...Object.keys((getPath(secret.object, 'data') as Obj | undefined) ?? {}),
        ...Object.keys((getPath(secret.object, 'stringData') as Obj | undefined) ?? {}),
      ]);
      for (const u of us.filter((x) => x.key && !present.has(x.key))) {
        out.push(
          findingFor(u.doc, {
            rule: 'enterprise/secret-ref',
            severity: 'error',
            field: u.where,
            message: `Secret ${id} has no key "${u.key}" (keys: ${[...present].join(', ') || 'none'}): the pod cannot start`,
            fix: `add "${u.key}" to the Secret or reference one of its keys`,
            link: LINK_SECRET,
          }),
        );
      }
      continue;
    }
    const first = us[0]!;
    const users = [...new Set(us.map((u) => `${String(u.doc.object.kind)} ${nameOf(u.doc.object)}`))];
    out.push(
      findingFor(first.doc, {
        rule: 'enterprise/secret-ref',
        severity: 'info',
        field: first.where,
        message: `needs Secret ${name} in namespace ${namespace}${keys.size ? ` with key${keys.size > 1 ? 's' : ''} ${[...keys].sort().join(', ')}` : ''} (used by ${users.join(', ')}); it is not in this folder`,
        fix: `create it before applying, e.g. kubectl -n ${namespace} create secret generic ${name} ${
          [...keys]
            .sort()
            .map((k) => (/\.(crt|pem|key)$/.test(k) ? `--from-file=${k}=./${k}` : `--from-literal=${k}=…`))
            .join(' ') || '--from-file=…'
        } (or let External Secrets / Sealed Secrets create it)`,
        link: LINK_SECRET,
      }),
    );
  }
  return out;
}

interface KafkaEnd {
  doc: ManifestDoc;
  field: string;
  brokers: string[];
  topics: string[];
  encoding: string;
  role: 'producer' | 'consumer';
}

function kafkaEnds(ctx: CheckContext): KafkaEnd[] {
  const out: KafkaEnd[] = [];
  for (const cfg of collectorConfigs(ctx)) {
    const used = pipelines(cfg.config);
    for (const [name, value] of Object.entries(isRecord(cfg.config.exporters) ? cfg.config.exporters : {})) {
      if (name.split('/')[0] !== 'kafka' || !used.some((p) => p.exporters.includes(name))) continue;
      out.push({
        doc: cfg.doc,
        field: `${cfg.field} exporters.${name}`,
        role: 'producer',
        brokers: asArray(getPath(value, 'brokers')).map(String),
        topics: [String(getPath(value, 'traces.topic') ?? getPath(value, 'topic') ?? 'otlp_spans')],
        encoding: String(getPath(value, 'traces.encoding') ?? getPath(value, 'encoding') ?? 'otlp_proto'),
      });
    }
    for (const [name, value] of Object.entries(isRecord(cfg.config.receivers) ? cfg.config.receivers : {})) {
      if (name.split('/')[0] !== 'kafka' || !used.some((p) => p.receivers.includes(name))) continue;
      const topics = asArray(getPath(value, 'traces.topics')).map(String);
      const single = getPath(value, 'traces.topic') ?? getPath(value, 'topic');
      out.push({
        doc: cfg.doc,
        field: `${cfg.field} receivers.${name}`,
        role: 'consumer',
        brokers: asArray(getPath(value, 'brokers')).map(String),
        topics: topics.length ? topics : [String(single ?? 'otlp_spans')],
        encoding: String(getPath(value, 'traces.encoding') ?? getPath(value, 'encoding') ?? 'otlp_proto'),
      });
    }
  }
  return out;
}

function checkKafka(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  const ends = kafkaEnds(ctx);
  const f = (e: KafkaEnd, severity: Finding['severity'], message: string, fix: string) =>
    out.push(findingFor(e.doc, { rule: 'enterprise/kafka', severity, field: e.field, message, fix, link: LINK_KAFKA }));
  for (const e of ends) {
    if (e.brokers.length === 0)
      f(e, 'error', `${e.role === 'producer' ? 'kafka exporter' : 'kafka receiver'} has no brokers`, 'list the brokers as host:port');
    for (const b of e.brokers) {
      if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:[0-9]{1,5}$/.test(b) && !b.includes('${'))
        f(
          e,
          'error',
          `broker "${b}" is not host:port (Kafka clients need the port and take no scheme)`,
          'write brokers like kafka-0.kafka.svc.cluster.local:9092',
        );
    }
  }
  const producers = ends.filter((e) => e.role === 'producer');
  const consumers = ends.filter((e) => e.role === 'consumer');
  for (const p of producers) {
    const topic = p.topics[0]!;
    const sameTopic = consumers.filter((c) => c.topics.includes(topic));
    if (consumers.length === 0)
      f(
        p,
        'warning',
        `spans are produced to Kafka topic "${topic}" but no ingester in this folder consumes it: nothing reaches the store`,
        'add the ingester (kafka.enabled in the meshtrace config does both), or deploy it from elsewhere',
      );
    else if (sameTopic.length === 0)
      f(
        p,
        'error',
        `the collector produces to topic "${topic}" but the ingester(s) consume ${consumers.map((c) => c.topics.map((t) => `"${t}"`).join(', ')).join('; ')}: spans pile up unread`,
        'use one topic on both sides',
      );
    for (const c of sameTopic) {
      if (c.encoding !== p.encoding)
        f(
          c,
          'error',
          `the ingester decodes topic "${topic}" as ${c.encoding} but the collector encodes ${p.encoding}: every message fails to unmarshal`,
          `set the same encoding on both (e.g. ${p.encoding})`,
        );
      if (!c.brokers.some((b) => p.brokers.includes(b)))
        f(
          c,
          'error',
          `the ingester's brokers (${c.brokers.join(', ')}) share none with the collector's (${p.brokers.join(', ')}): they may be different Kafka clusters`,
          'point both at the same cluster',
        );
    }
  }
  for (const c of consumers) {
    if (producers.length === 0)
      f(
        c,
        'warning',
        `the ingester consumes topic(s) ${c.topics.join(', ')} but no collector in this folder produces to Kafka`,
        'configure the collector with the kafka exporter (meshtrace: kafka.enabled)',
      );
  }
  return out;
}

function checkMetricsBackend(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  for (const cfg of collectorConfigs(ctx)) {
    const exts = isRecord(cfg.config.extensions) ? cfg.config.extensions : {};
    for (const [name, ext] of Object.entries(exts)) {
      if (name.split('/')[0] !== 'jaeger_query') continue;
      const metrics = getPath(ext, 'storage.metrics');
      if (typeof metrics !== 'string') continue;
      const backends = Object.entries(exts)
        .filter(([n]) => n.split('/')[0] === 'jaeger_storage')
        .flatMap(([, v]) => Object.keys((getPath(v, 'metric_backends') as Obj | undefined) ?? {}));
      if (!backends.includes(metrics)) {
        out.push(
          findingFor(cfg.doc, {
            rule: 'enterprise/metrics-backend',
            severity: 'error',
            field: `${cfg.field} extensions.${name}.storage.metrics`,
            message: `names metrics backend "${metrics}", but jaeger_storage.metric_backends has ${backends.length ? backends.join(', ') : 'none'}: jaeger-query fails to start`,
            fix: 'add the backend under jaeger_storage.metric_backends (prometheus endpoint) or use its exact name',
            link: LINK_SPM,
          }),
        );
      }
    }
    const ps = pipelines(cfg.config);
    for (const name of Object.keys(isRecord(cfg.config.connectors) ? cfg.config.connectors : {})) {
      const asExporter = ps.some((p) => p.exporters.includes(name));
      const asReceiver = ps.some((p) => p.receivers.includes(name));
      if (asExporter !== asReceiver) {
        out.push(
          findingFor(cfg.doc, {
            rule: 'enterprise/metrics-backend',
            severity: 'error',
            field: `${cfg.field} connectors.${name}`,
            message: `connector ${name} is ${asExporter ? 'an exporter of a pipeline but no pipeline receives from it' : 'a receiver of a pipeline but no pipeline exports to it'}: the collector refuses the config`,
            fix: 'use the connector as an exporter of the traces pipeline and as the receiver of a metrics pipeline',
            link: LINK_SPM,
          }),
        );
      }
    }
  }
  return out;
}

export function checkEnterpriseReferences(ctx: CheckContext): Finding[] {
  return [...checkEnvReferences(ctx), ...checkSecretRefs(ctx), ...checkKafka(ctx), ...checkMetricsBackend(ctx)];
}
