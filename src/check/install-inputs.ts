/**
 * Checks of installer inputs (`dist/install/`): the Traefik Helm values against the chart's own
 * values.schema.json (draft 2020-12), and the kind cluster's port mappings against the NodePorts
 * that are supposed to receive them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Finding } from './finding';
import { findingFor, type CheckContext } from './context';
import { isTraefikV2Values } from './doctor/edge-rules';
import { pointerToField } from './schema/schema-check';
import { asArray, getPath, isRecord, nameOf, namespaceOf } from './objects';
import { parseYamlDocument, readYamlFile, YAML_LIMITS } from '../yaml/load';
import { TRAEFIK_AJV_OPTIONS } from './schema/traefik-ajv-options';
import { TRAEFIK_CHART_DEFAULTS, TRAEFIK_CHART_VERSION } from './schema/traefik-chart-values.generated';
// TRAEFIK_VALUES_SCHEMA compiled ahead of time (scripts/derive-traefik-chart-schema.ts).
import { validate as validateBuiltInTraefikValues } from './schema/traefik-chart-values.validate.generated';

export interface InstallCheckOptions {
  /**
   * Traefik chart `values.schema.json` (e.g. from `helm pull traefik/traefik --untar`) to validate
   * against instead of the built-in part of chart 41.3.0's schema (schema/traefik-chart-values.generated.ts,
   * shipped in the package so check validates the same everywhere).
   * @default - the built-in chart 41.3.0 schema and defaults
   */
  readonly traefikValuesSchema?: string;
  /** Chart defaults (`values.yaml`) merged under the user's values before validation, as Helm does. */
  readonly traefikChartValues?: string;
}

/** The chart version whose schema check carries built in. */
export const BUILT_IN_TRAEFIK_CHART = TRAEFIK_CHART_VERSION;
const BUILT_IN = '<built-in>';
const TRAEFIK_CHART_LINK = 'https://github.com/traefik/traefik-helm-chart/blob/master/traefik/VALUES.md';

const validators = new Map<string, { validate: ValidateFunction; defaults: unknown }>();

/** Ajv itself, loaded only for a `--traefik-schema` file: its module costs every synth and check ~25 ms to load. */
const loadAjv2020 = (): typeof Ajv2020 => (createRequire(import.meta.url)('ajv/dist/2020') as { default: typeof Ajv2020 }).default;

function loadTraefikValidator(schemaPath: string, valuesPath: string | undefined): { validate: ValidateFunction; defaults: unknown } {
  const key = `${schemaPath}|${valuesPath ?? ''}`;
  let v = validators.get(key);
  if (!v) {
    const validate =
      schemaPath === BUILT_IN
        ? (validateBuiltInTraefikValues as ValidateFunction)
        : new (loadAjv2020())(TRAEFIK_AJV_OPTIONS).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
    const defaults =
      valuesPath === BUILT_IN
        ? TRAEFIK_CHART_DEFAULTS
        : valuesPath && existsSync(valuesPath)
          ? parseYamlDocument(readYamlFile(valuesPath, YAML_LIMITS.manifests), valuesPath, YAML_LIMITS.manifests).value
          : {};
    v = { validate, defaults };
    validators.set(key, v);
  }
  return v;
}

/** Helm's value merge: maps merge recursively, anything else replaces, `null` deletes the key. */
export function mergeHelmValues(base: unknown, overlay: unknown): unknown {
  if (!isRecord(base) || !isRecord(overlay)) return overlay === undefined ? base : overlay;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    if (v === null) delete out[k];
    else out[k] = mergeHelmValues(base[k], v);
  }
  return out;
}

function describe(e: ErrorObject): { field: string; message: string } {
  let field = pointerToField(e.instancePath);
  if (e.keyword === 'additionalProperties') {
    const extra = String((e.params as { additionalProperty?: string }).additionalProperty);
    field = field ? `${field}.${extra}` : extra;
    return { field, message: `unknown key "${extra}": the chart schema does not allow it` };
  }
  if (e.keyword === 'enum')
    return { field, message: `must be one of ${JSON.stringify((e.params as { allowedValues?: unknown[] }).allowedValues)}` };
  return { field, message: e.message ?? e.keyword };
}

function traefikSchemaFindings(ctx: CheckContext, options: InstallCheckOptions): Finding[] {
  const out: Finding[] = [];
  const inputs = ctx.traefikValues().filter((i) => !isTraefikV2Values(i));
  if (inputs.length === 0) return out;
  const schemaPath = options.traefikValuesSchema ?? BUILT_IN;
  if (schemaPath !== BUILT_IN && !existsSync(schemaPath)) {
    for (const input of inputs) {
      out.push(
        findingFor(input.doc, {
          rule: 'traefik-values/schema',
          severity: 'info',
          message: `Traefik values not validated against the chart schema: ${schemaPath} does not exist`,
          fix: 'pass --traefik-schema path/to/traefik/values.schema.json (from `helm pull traefik/traefik --untar`)',
          link: TRAEFIK_CHART_LINK,
        }),
      );
    }
    return out;
  }
  const valuesPath = options.traefikChartValues ?? (options.traefikValuesSchema ? undefined : BUILT_IN);
  const { validate, defaults } = loadTraefikValidator(schemaPath, valuesPath);
  for (const input of inputs) {
    const merged = mergeHelmValues(defaults, input.doc.object);
    if (validate(merged)) continue;
    const seen = new Set<string>();
    for (const e of validate.errors ?? []) {
      if (['if', 'anyOf', 'oneOf', 'allOf'].includes(e.keyword)) continue;
      const { field, message } = describe(e);
      // v2 vendor keys get the doctor's MT010 message, which says what to write instead.
      if (/^tracing\.(jaeger|zipkin|datadog|instana|haystack|elastic)$/.test(field)) continue;
      const key = `${field}|${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(
        findingFor(input.doc, {
          rule: 'traefik-values/schema',
          severity: 'error',
          field,
          message: `${message} (Traefik chart ${schemaPath === BUILT_IN ? `${TRAEFIK_CHART_VERSION} ` : ''}values.schema.json)`,
          fix: 'correct the value; `helm install` refuses values that fail the chart schema',
          link: TRAEFIK_CHART_LINK,
        }),
      );
    }
  }
  return out;
}

const KIND_LINK = 'https://kind.sigs.k8s.io/docs/user/configuration/#nodeport-with-port-mappings';

/** NodePorts the cluster will open: Services of the folder plus Traefik's `ports.<ep>.nodePort`. */
function nodePorts(ctx: CheckContext): Map<number, string> {
  const out = new Map<number, string>();
  for (const svc of ctx.byKind('Service')) {
    asArray(getPath(svc.object, 'spec.ports')).forEach((p) => {
      if (isRecord(p) && typeof p.nodePort === 'number')
        out.set(p.nodePort, `Service ${namespaceOf(svc.object)}/${nameOf(svc.object)} port ${String(p.name ?? p.port)}`);
    });
  }
  for (const input of ctx.traefikValues()) {
    const ports = getPath(input.doc.object, 'ports');
    if (!isRecord(ports)) continue;
    for (const [ep, cfg] of Object.entries(ports)) {
      const np = getPath(cfg, 'nodePort');
      if (typeof np === 'number') out.set(np, `Traefik entrypoint ${ep} (${input.doc.file} ports.${ep}.nodePort)`);
    }
  }
  // Istio ingress gateway: IstioOperator `components.ingressGateways[].k8s.service.ports[]`, or the
  // istio/gateway chart's `service.ports[]` (the same Service, installed either way).
  for (const input of ctx.install) {
    const gateways: [string, unknown][] =
      input.kind === 'istio-operator'
        ? asArray(getPath(input.doc.object, 'spec.components.ingressGateways')).map((g) => [
            String(getPath(g, 'name') ?? 'ingress gateway'),
            getPath(g, 'k8s.service.ports'),
          ])
        : input.kind === 'istiod-values'
          ? [['istio ingress gateway', getPath(input.doc.object, 'service.ports')]]
          : [];
    for (const [gateway, ports] of gateways) {
      asArray(ports).forEach((p) => {
        if (isRecord(p) && typeof p.nodePort === 'number' && !out.has(p.nodePort))
          out.set(p.nodePort, `${gateway} port ${String(p.name ?? p.port)} (${input.doc.file})`);
      });
    }
  }
  return out;
}

function kindFindings(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  const kinds = ctx.kindConfigs();
  if (kinds.length === 0) return out;
  const open = nodePorts(ctx);
  const mapped = new Set<number>();
  for (const input of kinds) {
    asArray(getPath(input.doc.object, 'nodes')).forEach((node, n) => {
      asArray(getPath(node, 'extraPortMappings')).forEach((m, i) => {
        if (!isRecord(m) || typeof m.containerPort !== 'number') return;
        mapped.add(m.containerPort);
        const field = `nodes[${n}].extraPortMappings[${i}].containerPort`;
        if (m.containerPort >= 30000 && m.containerPort <= 32767 && !open.has(m.containerPort)) {
          out.push(
            findingFor(input.doc, {
              rule: 'kind/port-mapping',
              severity: 'error',
              field,
              message: `containerPort ${m.containerPort} (host ${String(m.hostPort)}) is mapped, but no Service or Traefik entrypoint uses nodePort ${m.containerPort}${open.size ? ` (nodePorts: ${[...open.keys()].join(', ')})` : ''}: the host port leads nowhere`,
              fix: 'set the Service/entrypoint nodePort to the mapped containerPort, or fix the mapping',
              link: KIND_LINK,
            }),
          );
        }
      });
    });
  }
  for (const [port, owner] of open) {
    if (!mapped.has(port)) {
      out.push(
        findingFor(kinds[0]!.doc, {
          rule: 'kind/port-mapping',
          severity: 'warning',
          field: 'nodes[0].extraPortMappings',
          message: `${owner} uses nodePort ${port}, but no kind extraPortMappings entry maps it: it is not reachable from the host`,
          fix: `add {containerPort: ${port}, hostPort: <port>, listenAddress: "127.0.0.1"} to the control-plane node`,
          link: KIND_LINK,
        }),
      );
    }
  }
  return out;
}

function unknownInputFindings(ctx: CheckContext): Finding[] {
  return ctx.install
    .filter((i) => i.kind === 'unknown')
    .map((i) =>
      findingFor(i.doc, {
        rule: 'install/unrecognized',
        severity: 'info',
        message:
          'installer input not recognized (expected an IstioOperator, istiod or Traefik Helm values, or a kind Cluster config): not checked',
        fix: 'name Helm values files after their chart (traefik-values.yaml, istiod-values.yaml)',
      }),
    );
}

/** MeshConfig.ExtensionProvider (istio/api mesh/v1alpha1/config.proto): the oneof keys and, for tracers, their fields. */
const PROVIDER_TYPES = [
  'envoyExtAuthzHttp',
  'envoyExtAuthzGrpc',
  'zipkin',
  'lightstep',
  'datadog',
  'stackdriver',
  'opencensus',
  'skywalking',
  'opentelemetry',
  'prometheus',
  'envoyFileAccessLog',
  'envoyHttpAls',
  'envoyTcpAls',
  'envoyOtelAls',
  'sds',
];
const TRACER_FIELDS: Record<string, string[]> = {
  opentelemetry: [
    'service',
    'port',
    'maxTagLength',
    'http',
    'grpc',
    'resourceDetectors',
    'resource_detectors',
    'dynatraceSampler',
    'serviceAttributeEnrichment',
  ],
  zipkin: ['service', 'port', 'maxTagLength', 'enable64bitTraceId', 'path', 'traceContextOption', 'timeout', 'headers'],
  datadog: ['service', 'port', 'maxTagLength'],
  skywalking: ['service', 'port', 'accessToken'],
  lightstep: ['service', 'port', 'accessToken', 'maxTagLength'],
};
const MESH_CONFIG_LINK = 'https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider';

function providerFieldFindings(ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const p of ctx.mesh.providers) {
    const base = p.field.replace(/\[\d+\]$/, '');
    const index = Number(/\[(\d+)\]$/.exec(p.field)?.[1] ?? 0);
    const entry = asArray(getPath(p.doc.object, base))[index];
    if (!isRecord(entry)) continue;
    const key = `${p.doc.file}|${p.field}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const k of Object.keys(entry)) {
      if (k === 'name' || PROVIDER_TYPES.includes(k)) continue;
      out.push(
        findingFor(p.doc, {
          rule: 'unknown-field',
          severity: 'error',
          field: `${p.field}.${k}`,
          message: `unknown field "${k}" in extension provider "${p.name}": istiod rejects the mesh config`,
          fix: `use one of name, ${PROVIDER_TYPES.join(', ')}`,
          link: MESH_CONFIG_LINK,
        }),
      );
    }
    const allowed = TRACER_FIELDS[p.type];
    if (!allowed) continue;
    for (const k of Object.keys(p.config)) {
      if (allowed.includes(k)) continue;
      out.push(
        findingFor(p.doc, {
          rule: 'unknown-field',
          severity: 'error',
          field: `${p.field}.${p.type}.${k}`,
          message: `unknown field "${k}" in ${p.type} provider "${p.name}": istiod rejects the mesh config`,
          fix: `allowed: ${allowed.join(', ')}`,
          link: MESH_CONFIG_LINK,
        }),
      );
    }
  }
  return out;
}

export function checkInstallInputs(ctx: CheckContext, options: InstallCheckOptions = {}): Finding[] {
  return [...traefikSchemaFindings(ctx, options), ...kindFindings(ctx), ...providerFieldFindings(ctx), ...unknownInputFindings(ctx)];
}
