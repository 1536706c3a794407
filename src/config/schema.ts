/**
 * The root config schema: ONE place where each area's section composes in.
 *
 * To add a section (traefik, hotrod, kind, relay …): write `src/config/<area>.ts` exporting
 * `<area>Schema` (a `z.strictObject` whose fields all have defaults), import it here and add
 * `<area>: <area>Schema.prefault({})` below. `src/stack/tracing-stack.ts` then instantiates the
 * area's constructs from `config.<area>`.
 */
import { z } from 'zod';
import { bookinfoSchema } from './bookinfo';
import { hotrodSchema } from './hotrod';
import { istioSchema } from './istio';
import { jaegerSchema } from './jaeger';
import { kindSchema, refineNodePorts } from './kind';
import { namespacesSchema } from './namespaces';
import { PROFILE_NAMES } from './profile-names';
import { relaySchema } from './relay';
import { traefikSchema } from './traefik';
import { securitySchema } from './security';
import { spmSchema } from './spm';
import { storageOpsSchema } from './storage-ops';
import { kafkaSchema } from './kafka';
import { multiclusterSchema } from './multicluster';
import { refineEnterprise } from './enterprise-rules';

export const configSchema = z
  .strictObject({
    /** The profile this file starts from; its own fields override the profile's. */
    profile: z.enum(PROFILE_NAMES).default('lab'),
    namespaces: namespacesSchema.prefault({}),
    jaeger: jaegerSchema,
    istio: istioSchema.prefault({}),
    bookinfo: bookinfoSchema.prefault({}),
    traefik: traefikSchema.prefault({}),
    hotrod: hotrodSchema.prefault({}),
    kind: kindSchema.prefault({}),
    relay: relaySchema.prefault({}),
    // Enterprise sections (docs/enterprise.md): access control, span metrics + alerts, store operations, Kafka, multi-cluster.
    security: securitySchema.prefault({}),
    spm: spmSchema.prefault({}),
    storageOps: storageOpsSchema.prefault({}),
    kafka: kafkaSchema.prefault({}),
    multicluster: multiclusterSchema.prefault({}),
  })
  .superRefine(refineNodePorts)
  .superRefine(refineEnterprise);

/** A validated, fully defaulted config: what constructs and the stack read. */
export type MeshtraceConfig = z.infer<typeof configSchema>;
/** What a user may write in a config file (every field optional). */
export type MeshtraceConfigInput = z.input<typeof configSchema>;
