/**
 * Config section `storageOps`: how Jaeger reaches a long-term store run by someone else, and the
 * maintenance jobs that store needs. Credentials and CA certificates come from Secrets (env
 * `secretKeyRef`, secret volumes), never inline. Applies to `jaeger.storage` elasticsearch /
 * opensearch (credentials, TLS, rollover, index cleaner) and cassandra (credentials, TLS, schema Job).
 * @see https://www.jaegertracing.io/docs/2.20/storage/elasticsearch/
 * @see https://www.jaegertracing.io/docs/2.20/storage/cassandra/
 */
import { z } from 'zod';
import { imageRef } from './common';
import { secretKeyRefSchema, secretKeyRefWithDefaultKey } from './secret-ref';

const cron = z.string().regex(/^(\S+\s+){4}\S+$/, { message: 'is not a cron schedule; allowed: five fields, e.g. "55 23 * * *"' });

export const storageOpsSchema = z.strictObject({
  /** Basic-auth user name and password, each from a Secret key. */
  credentials: z
    .strictObject({
      username: secretKeyRefSchema,
      password: secretKeyRefSchema,
    })
    .optional(),
  /** TLS to the store: the CA bundle that signed its certificate, from a Secret. */
  tls: z
    .strictObject({
      ca: secretKeyRefWithDefaultKey('ca.crt').optional(),
      /** Skip host name verification (self-signed lab clusters only). */
      skipHostVerify: z.boolean().default(false),
    })
    .optional(),
  /**
   * Elasticsearch/OpenSearch index rollover: writes go through aliases (`use_aliases`), an init Job
   * creates them, a CronJob rolls the write index over and another moves old indices out of the
   * read alias (lookback).
   * @see https://www.jaegertracing.io/docs/2.20/storage/elasticsearch/#index-rollover
   */
  rollover: z
    .strictObject({
      enabled: z.boolean().default(false),
      image: imageRef.default('jaegertracing/jaeger-es-rollover:2.20.0'),
      schedule: cron.default('10 0 * * *'),
      /** Rollover conditions (Elasticsearch `_rollover` conditions JSON). */
      conditions: z
        .string()
        .default('{"max_age": "1d"}')
        .refine(
          (s) => {
            try {
              return typeof JSON.parse(s) === 'object';
            } catch {
              return false;
            }
          },
          { message: 'is not a JSON object; allowed: e.g. {"max_age": "1d"}' },
        ),
      lookbackSchedule: cron.default('5 0 * * *'),
      /** Indices older than this many days leave the read alias. */
      lookbackDays: z.number().int().min(1).max(3650).default(7),
    })
    .prefault({}),
  /**
   * Deletes indices older than `numberOfDays` (Elasticsearch has no TTL).
   * @see https://www.jaegertracing.io/docs/2.20/storage/elasticsearch/#removing-old-data
   */
  indexCleaner: z
    .strictObject({
      enabled: z.boolean().default(false),
      image: imageRef.default('jaegertracing/jaeger-es-index-cleaner:2.20.0'),
      schedule: cron.default('55 23 * * *'),
      numberOfDays: z.number().int().min(1).max(3650).default(7),
    })
    .prefault({}),
  /**
   * Cassandra: a Job that creates the keyspace and tables (production clusters do not let Jaeger
   * create schema on start; set `jaeger.storage.createSchema: false` with it).
   */
  cassandraSchema: z
    .strictObject({
      enabled: z.boolean().default(false),
      image: imageRef.default('jaegertracing/jaeger-cassandra-schema:2.20.0'),
      datacenter: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/)
        .default('dc1'),
      replicationFactor: z.number().int().min(1).max(9).default(3),
      /** Span TTL in days. */
      traceTtlDays: z.number().int().min(1).max(3650).default(2),
    })
    .prefault({}),
});
export type StorageOpsConfig = z.infer<typeof storageOpsSchema>;
