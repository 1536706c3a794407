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

export const configSchema = z.strictObject({
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
}).superRefine(refineNodePorts);

/** A validated, fully defaulted config: what constructs and the stack read. */
export type MeshtraceConfig = z.infer<typeof configSchema>;
/** What a user may write in a config file (every field optional). */
export type MeshtraceConfigInput = z.input<typeof configSchema>;
