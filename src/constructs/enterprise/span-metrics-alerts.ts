/**
 * Alerting on traces: a PrometheusRule with, per service, an error-rate and a p95-latency alert
 * computed from the span metrics the collector's spanmetrics connector exposes, plus the Service
 * and ServiceMonitor that get those metrics scraped. Objects are built with the
 * `@kubernetes-models/prometheus-operator` models and validated in the constructor, so a bad
 * threshold or duration fails synth instead of the Prometheus Operator's admission webhook.
 * @see https://www.jaegertracing.io/docs/2.20/architecture/spm/
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusRule
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { SPAN_METRICS_PORT } from './jaeger-config-extensions';

/** Metric names the spanmetrics connector writes through the Prometheus exporter (namespace `traces.span.metrics`). */
export const SPAN_CALLS_METRIC = 'traces_span_metrics_calls_total';
export const SPAN_DURATION_BUCKET_METRIC = 'traces_span_metrics_duration_milliseconds_bucket';
export const SPAN_METRICS_SERVICE = 'jaeger-collector-spanmetrics';

/**
 * The two alerts per traced service (error rate, p95 latency) and their PrometheusRule.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
 */
export interface SpanMetricsAlertSettings {
  /** Create the PrometheusRule. @default true */
  readonly enabled?: boolean;
  /** Alert when more than this % of a service's server spans are errors. @default 5 */
  readonly errorRatePercent?: number;
  /** Alert when a service's p95 server latency is above this many ms. @default 1000 */
  readonly p95LatencyMs?: number;
  /** Rate window of the expressions. @default '5m' */
  readonly window?: string;
  /** How long a condition must hold before the alert fires. @default '10m' */
  readonly for?: string;
  /** Services with fewer requests per second are ignored. @default 0.1 */
  readonly minRequestsPerSecond?: number;
  /** @default 'warning' */
  readonly severity?: 'info' | 'warning' | 'critical';
  /** Labels on the PrometheusRule and ServiceMonitor (a Prometheus `ruleSelector` picks them). @default {} */
  readonly ruleLabels?: Readonly<Record<string, string>>;
}

export interface SpanMetricsAlertsProps {
  /**
   * Thresholds, window, `for`, severity, rule labels.
   * @default - the defaults of {@link SpanMetricsAlertSettings}
   */
  readonly alerts?: SpanMetricsAlertSettings;
  /**
   * Namespace of the PrometheusRule.
   */
  readonly namespace: string;
  /**
   * Also create the ServiceMonitor (needs the Prometheus Operator CRDs).
   * @default true
   */
  readonly serviceMonitor?: boolean;
  /**
   * Pod labels of the pods that expose span metrics (collector, or all-in-one).
   */
  readonly collectorLabels: Readonly<Record<string, string>>;
  /**
   * Namespace of those pods.
   */
  readonly collectorNamespace: string;
}

/** {@link SpanMetricsAlertSettings} with every default filled in. */
export type ResolvedAlertSettings = Required<SpanMetricsAlertSettings>;
type Alerts = ResolvedAlertSettings;

/** The alert settings with every default filled in. */
export function resolveAlertSettings(a: SpanMetricsAlertSettings = {}): ResolvedAlertSettings {
  return {
    enabled: a.enabled ?? true,
    errorRatePercent: a.errorRatePercent ?? 5,
    p95LatencyMs: a.p95LatencyMs ?? 1000,
    window: a.window ?? '5m',
    for: a.for ?? '10m',
    minRequestsPerSecond: a.minRequestsPerSecond ?? 0.1,
    severity: a.severity ?? 'warning',
    ruleLabels: a.ruleLabels ?? {},
  };
}

/** Server spans only: each request counted once, where it was served. */
const SERVER = 'span_kind="SPAN_KIND_SERVER"';

/** PromQL of the error-rate alert (percent of server spans with status ERROR, per service). */
export function errorRateExpr(a: Pick<ResolvedAlertSettings, 'window' | 'errorRatePercent' | 'minRequestsPerSecond'>): string {
  const all = `sum by (service_name) (rate(${SPAN_CALLS_METRIC}{${SERVER}}[${a.window}]))`;
  const errors = `sum by (service_name) (rate(${SPAN_CALLS_METRIC}{${SERVER},status_code="STATUS_CODE_ERROR"}[${a.window}]))`;
  return `(100 * ${errors} / ${all} > ${a.errorRatePercent}) and on (service_name) (${all} > ${a.minRequestsPerSecond})`;
}

/** PromQL of the p95-latency alert (milliseconds, per service). */
export function p95LatencyExpr(a: Pick<ResolvedAlertSettings, 'window' | 'p95LatencyMs' | 'minRequestsPerSecond'>): string {
  const all = `sum by (service_name) (rate(${SPAN_CALLS_METRIC}{${SERVER}}[${a.window}]))`;
  return `(histogram_quantile(0.95, sum by (service_name, le) (rate(${SPAN_DURATION_BUCKET_METRIC}{${SERVER}}[${a.window}]))) > ${a.p95LatencyMs}) and on (service_name) (${all} > ${a.minRequestsPerSecond})`;
}

export class SpanMetricsAlerts extends Construct {
  /** The PrometheusRule; undefined with `alerts.enabled: false`. */
  readonly rule?: ApiObject;

  constructor(scope: Construct, id: string, props: SpanMetricsAlertsProps) {
    super(scope, id);
    const a = resolveAlertSettings(props.alerts);
    if (a.enabled) this.rule = this.alertRule(a, props.namespace);

    // A Service for the span-metrics port only, so the jaeger-collector Service keeps its contract ports.
    new ApiObject(this, 'MetricsService', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: SPAN_METRICS_SERVICE,
        namespace: props.collectorNamespace,
        labels: { ...props.collectorLabels, 'meshtrace.dev/metrics': 'spanmetrics' },
      },
      spec: {
        selector: { ...props.collectorLabels },
        ports: [{ name: 'http-spanmetrics', port: SPAN_METRICS_PORT, targetPort: SPAN_METRICS_PORT }],
      },
    });
    if (props.serviceMonitor ?? true) {
      const monitor = new ServiceMonitor({
        metadata: {
          name: SPAN_METRICS_SERVICE,
          namespace: props.collectorNamespace,
          labels: { 'app.kubernetes.io/part-of': 'meshtrace', ...a.ruleLabels },
        },
        spec: {
          selector: { matchLabels: { 'meshtrace.dev/metrics': 'spanmetrics' } },
          endpoints: [{ port: 'http-spanmetrics', interval: '15s' }],
        },
      });
      monitor.validate();
      new ApiObject(this, 'ServiceMonitor', monitor.toJSON() as never);
    }
  }

  private alertRule(a: Alerts, namespace: string): ApiObject {
    const rule = new PrometheusRule({
      metadata: { name: 'meshtrace-span-metrics', namespace, labels: { 'app.kubernetes.io/part-of': 'meshtrace', ...a.ruleLabels } },
      spec: {
        groups: [
          {
            name: 'meshtrace.span-metrics',
            rules: [
              {
                alert: 'TracedServiceHighErrorRate',
                expr: errorRateExpr(a),
                for: a.for,
                labels: { severity: a.severity },
                annotations: {
                  summary: 'Service {{ $labels.service_name }}: more than ' + `${a.errorRatePercent}% of requests fail`,
                  description: `{{ $value | printf "%.1f" }}% of the server spans of {{ $labels.service_name }} had status ERROR over ${a.window} (threshold ${a.errorRatePercent}%). Open Jaeger's Monitor tab, then the failing traces.`,
                },
              },
              {
                alert: 'TracedServiceHighLatencyP95',
                expr: p95LatencyExpr(a),
                for: a.for,
                labels: { severity: a.severity },
                annotations: {
                  summary: `Service {{ $labels.service_name }}: p95 latency above ${a.p95LatencyMs} ms`,
                  description: `p95 of the server spans of {{ $labels.service_name }} is {{ $value | printf "%.0f" }} ms over ${a.window} (threshold ${a.p95LatencyMs} ms). Search Jaeger for its slowest traces.`,
                },
              },
            ],
          },
        ],
      },
    });
    rule.validate();
    return new ApiObject(this, 'Rule', rule.toJSON() as never);
  }
}
