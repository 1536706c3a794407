/**
 * Config section `kafka`: collector → Kafka → ingester → storage, which is how a Jaeger deployment
 * absorbs bursts its store cannot take: collectors only produce to Kafka, an ingester Deployment
 * consumes and writes at the store's pace.
 * @see https://www.jaegertracing.io/docs/2.20/deployment/kafka/
 */
import { z } from 'zod';
import { replicas, resourcesSchema } from './common';
import { secretKeyRefWithDefaultKey } from './secret-ref';

/** `host:port` of a broker (Kafka clients need the port; there is no default scheme). */
const broker = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:[0-9]{1,5}$/, {
  message: 'is not a broker address; allowed: host:port, e.g. kafka-0.kafka.svc.cluster.local:9092',
});

export const KAFKA_ENCODINGS = ['otlp_proto', 'otlp_json', 'jaeger_proto', 'jaeger_json'] as const;

export const kafkaSchema = z.strictObject({
  enabled: z.boolean().default(false),
  brokers: z.array(broker).default([]),
  /** Topic collectors produce to and ingesters consume. */
  topic: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, { message: 'is not a Kafka topic; allowed: letters, digits, ".", "_" and "-" (1-249)' })
    .default('jaeger-spans'),
  encoding: z.enum(KAFKA_ENCODINGS).default('otlp_proto'),
  /** Consumer group of the ingesters. */
  groupId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/)
    .default('jaeger-ingester'),
  /** TLS to the brokers with this CA (Secret in the observability namespace). */
  tls: z.strictObject({ ca: secretKeyRefWithDefaultKey('ca.crt') }).optional(),
  ingester: z
    .strictObject({
      replicas: replicas.default(1),
      resources: resourcesSchema.default({ cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' }),
    })
    .prefault({}),
});
export type KafkaConfig = z.infer<typeof kafkaSchema>;
