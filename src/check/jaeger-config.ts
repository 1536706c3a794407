/**
 * Finds Jaeger v2 / OpenTelemetry Collector configurations inside ConfigMaps and the workloads
 * that run them, so the checkers can read receivers, storage backends and endpoints.
 */
import { parseYamlDocument, YAML_LIMITS } from '../yaml/load';
import type { ManifestDoc } from './finding';
import type { CheckContext } from './context';
import { asArray, getPath, isRecord, nameOf, namespaceOf, type Obj, type PodTemplate, containersOf } from './objects';

export interface CollectorConfig {
  readonly doc: ManifestDoc;
  readonly key: string;
  /** `data.<key>` */
  readonly field: string;
  readonly config: Obj;
  /** Pod templates that mount this ConfigMap and run a Jaeger / collector image. */
  readonly workloads: PodTemplate[];
}

export function isJaegerImage(image: string): boolean {
  return /(^|\/)jaegertracing\/(jaeger|all-in-one)(:|@|$)/.test(image);
}

export function isCollectorImage(image: string): boolean {
  return isJaegerImage(image) || /opentelemetry-collector|otel\/opentelemetry-collector|otelcol/.test(image);
}

/** True when a parsed YAML document looks like an OTel Collector / Jaeger v2 config. */
export function looksLikeCollectorConfig(value: unknown): value is Obj {
  return (
    isRecord(value) && isRecord(value.service) && (isRecord(value.receivers) || isRecord(value.extensions) || isRecord(value.exporters))
  );
}

// Several checkers read the collector configs: parse them once per check.
const configCache = new WeakMap<CheckContext, CollectorConfig[]>();

export function collectorConfigs(ctx: CheckContext): CollectorConfig[] {
  const cached = configCache.get(ctx);
  if (cached) return cached;
  const out = parseCollectorConfigs(ctx);
  configCache.set(ctx, out);
  return out;
}

function parseCollectorConfigs(ctx: CheckContext): CollectorConfig[] {
  const out: CollectorConfig[] = [];
  for (const doc of ctx.byKind('ConfigMap')) {
    const data = getPath(doc.object, 'data');
    if (!isRecord(data)) continue;
    for (const [key, raw] of Object.entries(data)) {
      if (typeof raw !== 'string' || (!/\.ya?ml$/.test(key) && !/receivers:|extensions:/.test(raw))) continue;
      let parsed: unknown;
      try {
        parsed = parseYamlDocument(raw, `${doc.file} data.${key}`, YAML_LIMITS.embedded).value;
      } catch {
        continue;
      }
      if (!looksLikeCollectorConfig(parsed)) continue;
      const cmName = nameOf(doc.object);
      const ns = namespaceOf(doc.object);
      const workloads = ctx.templates.filter(
        (t) =>
          t.namespace === ns &&
          containersOf(t).some((c) => isCollectorImage(c.image)) &&
          asArray(t.spec.volumes).some(
            (v) =>
              isRecord(v) &&
              (getPath(v, 'configMap.name') === cmName ||
                asArray(getPath(v, 'projected.sources')).some((s) => getPath(s, 'configMap.name') === cmName)),
          ),
      );
      out.push({ doc, key, field: `data.${key}`, config: parsed, workloads });
    }
  }
  return out;
}

/** Jaeger workloads with no config mounted run the built-in all-in-one config (memory storage). */
export function jaegerWorkloadsWithoutConfig(ctx: CheckContext, configs: readonly CollectorConfig[]): PodTemplate[] {
  return ctx.templates.filter(
    (t) =>
      containersOf(t, ['containers']).some(
        (c) => isJaegerImage(c.image) && !asArray(c.container.args).some((a) => String(a).startsWith('--config')),
      ) && !configs.some((c) => c.workloads.includes(t)),
  );
}

export type StorageKind = 'memory' | 'badger' | 'shared' | 'unknown';

/** Storage kinds of the `jaeger_storage` backends, by backend name. */
export function storageBackends(config: Obj): Map<string, StorageKind> {
  const out = new Map<string, StorageKind>();
  const ext = isRecord(config.extensions) ? config.extensions : {};
  for (const [name, value] of Object.entries(ext)) {
    if (name !== 'jaeger_storage' && !name.startsWith('jaeger_storage/')) continue;
    const backends = getPath(value, 'backends');
    if (!isRecord(backends)) continue;
    for (const [bname, b] of Object.entries(backends)) {
      const type = isRecord(b) ? Object.keys(b)[0] : undefined;
      out.set(bname, type === 'memory' ? 'memory' : type === 'badger' ? 'badger' : type ? 'shared' : 'unknown');
    }
  }
  return out;
}

/** Pipelines (`service.pipelines`) listed by kind of component names. */
export function pipelines(config: Obj): { name: string; receivers: string[]; exporters: string[] }[] {
  const p = getPath(config, 'service.pipelines');
  if (!isRecord(p)) return [];
  return Object.entries(p).map(([name, v]) => ({
    name,
    receivers: asArray(getPath(v, 'receivers')).map(String),
    exporters: asArray(getPath(v, 'exporters')).map(String),
  }));
}

export function enabledExtensions(config: Obj): string[] {
  return asArray(getPath(config, 'service.extensions')).map(String);
}

/** Role of a config: does it write spans (a receiver → jaeger_storage_exporter), serve queries (jaeger_query)? */
export function roles(config: Obj): { writes: boolean; queries: boolean; writeBackend?: string; queryBackend?: string } {
  const exts = enabledExtensions(config);
  const queryExt = exts.find((e) => e === 'jaeger_query' || e.startsWith('jaeger_query/'));
  const writes = pipelines(config).some(
    (p) => p.receivers.some((r) => r !== 'nop') && p.exporters.some((e) => e.startsWith('jaeger_storage_exporter')),
  );
  const exporterName = pipelines(config)
    .flatMap((p) => p.exporters)
    .find((e) => e.startsWith('jaeger_storage_exporter'));
  const writeBackend = exporterName ? String(getPath(config, `exporters.${exporterName}.trace_storage`) ?? '') || undefined : undefined;
  const queryBackend = queryExt ? String(getPath(config, `extensions.${queryExt}.storage.traces`) ?? '') || undefined : undefined;
  return { writes, queries: queryExt !== undefined, writeBackend, queryBackend };
}
