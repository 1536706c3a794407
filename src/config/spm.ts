/**
 * Config section `spm`: Jaeger Service Performance Monitoring and alerting on traces. The
 * collector derives RED metrics from spans (spanmetrics connector) and exposes them to Prometheus;
 * query reads them back (`metric_backends`) for the Monitor tab; a PrometheusRule alerts on error
 * rate and p95 latency per service.
 * @see https://www.jaegertracing.io/docs/2.20/architecture/spm/
 */
import { z } from 'zod';
import { dnsLabel, httpUrl } from './common';

const duration = z
  .string()
  .regex(/^[0-9]+(ms|s|m|h)$/, { message: 'is not a duration; allowed: a whole number with ms, s, m or h, e.g. "15s" or "10m"' });
const labelValue = z
  .string()
  .max(63)
  .regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/, { message: 'is not a label value; allowed: letters, digits, "-", "_" and "."' });

export const spmSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** Prometheus that scrapes the span metrics and that jaeger-query reads (Monitor tab). */
  prometheusUrl: httpUrl.default('http://prometheus-operated.monitoring.svc.cluster.local:9090'),
  /** How often the connector flushes metrics. */
  flushInterval: duration.default('15s'),
  /** Latency histogram buckets in milliseconds. */
  histogramBucketsMs: z.array(z.number().positive()).min(1).default([2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]),
  /** A ServiceMonitor so a prometheus-operator Prometheus scrapes the span metrics. */
  serviceMonitor: z.boolean().default(true),
  alerts: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Alert when more than this % of a service's server spans are errors. */
      errorRatePercent: z.number().gt(0).max(100).default(5),
      /** Alert when a service's p95 server latency is above this (ms). */
      p95LatencyMs: z.number().positive().default(1000),
      /** Rate window of the expressions. */
      window: duration.default('5m'),
      /** How long a condition must hold before the alert fires. */
      for: duration.default('10m'),
      /** Services with fewer requests per second are ignored (no alerts on two requests a day). */
      minRequestsPerSecond: z.number().min(0).default(0.1),
      severity: z.enum(['info', 'warning', 'critical']).default('warning'),
      /** Labels on the PrometheusRule so the Prometheus `ruleSelector` picks it up (e.g. release: prometheus). */
      ruleLabels: z.record(z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9_.-]+$/), labelValue).default({}),
      /** Namespace of the PrometheusRule; default: the observability namespace. */
      namespace: dnsLabel.optional(),
    })
    .prefault({}),
});
export type SpmConfig = z.infer<typeof spmSchema>;
