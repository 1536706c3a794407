/**
 * Config section `relay`: the chain of meshtrace relay hops deployed in namespace `namespaces.relay`.
 * Faults are parsed with the relay's own (pure) parser so a typo is reported with its path; cycles
 * are checked by the RelayChain construct (its errors also fail synth with exit 1).
 */
import { z } from 'zod';
import { parseFault } from '../faults';
import { dnsLabel, imageRef, resourcesSchema } from './common';

const hopSchema = z.strictObject({
  name: dnsLabel,
  upstreams: z.array(dnsLabel).default([]),
  fanout: z.boolean().optional(),
  /** `drop-context`, `delay=200ms`, `status=500@0.2`, `reset` (labs). */
  faults: z.array(z.string().min(1)).default([]),
  /** Formats written (`--propagate`): `b3` is the single `b3` header (`b3single` its old name). */
  propagate: z.array(z.enum(['w3c', 'b3', 'b3multi', 'jaeger', 'baggage', 'b3single'])).optional(),
  /** Formats read (`--accept`); others are neither read nor forwarded. Default: every format. */
  accept: z.array(z.enum(['w3c', 'b3', 'b3multi', 'jaeger', 'baggage', 'b3single'])).optional(),
  /** Baggage members recorded on the server span (`--baggage-attribute`, opt-in per key). */
  baggageAttributes: z
    .array(z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, { message: 'is not a baggage key; allowed: letters, digits, "_", "." and "-"' }))
    .default([]),
  spanAttributes: z
    .record(
      z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, { message: 'is not an attribute name; allowed: letters, digits, "_", "." and "-"' }),
      z.string(),
    )
    .default({}),
  replicas: z.number().int().min(1).max(20).default(1),
});

export const relaySchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Sidecar-inject the hops, so Envoy's spans and the relay's spans meet in one trace. */
    meshed: z.boolean().default(true),
    image: imageRef.default('node:24.11.1-alpine'),
    /** Probability for requests that arrive without a sampling decision. */
    sampleRate: z.number().min(0).max(1).default(1),
    hops: z
      .array(hopSchema)
      .min(1, { message: 'is empty; allowed: at least one hop' })
      .default([
        { name: 'edge', upstreams: ['a'], faults: [], baggageAttributes: [], spanAttributes: {}, replicas: 1 },
        { name: 'a', upstreams: ['b'], faults: [], baggageAttributes: [], spanAttributes: {}, replicas: 1 },
        { name: 'b', upstreams: [], faults: [], baggageAttributes: [], spanAttributes: {}, replicas: 1 },
      ]),
    resources: resourcesSchema.default({ cpuRequest: '20m', cpuLimit: '500m', memoryRequest: '48Mi', memoryLimit: '128Mi' }),
  })
  .superRefine((relay, ctx) => {
    const names = relay.hops.map((h) => h.name);
    relay.hops.forEach((hop, i) => {
      hop.faults.forEach((fault, j) => {
        try {
          parseFault(fault);
        } catch (err) {
          ctx.addIssue({
            code: 'custom',
            path: ['hops', i, 'faults', j],
            input: fault,
            message: `is not a fault (${/\(([^)]*)\)/.exec((err as Error).message)?.[1] ?? (err as Error).message}); allowed: drop-context, delay=<duration>, status=<200..599>, reset, each optionally @<fraction 0..1>`,
          });
        }
      });
      if (names.indexOf(hop.name) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['hops', i, 'name'],
          input: hop.name,
          message: 'is used by another hop; allowed: a unique name per hop',
        });
      hop.upstreams.forEach((up, j) => {
        if (!names.includes(up))
          ctx.addIssue({
            code: 'custom',
            path: ['hops', i, 'upstreams', j],
            input: up,
            message: `is not a hop; allowed: ${names.join(', ')}`,
          });
        else if (up === hop.name)
          ctx.addIssue({
            code: 'custom',
            path: ['hops', i, 'upstreams', j],
            input: up,
            message: 'is the hop itself (a loop); allowed: another hop',
          });
      });
    });
  });
export type RelayConfig = z.infer<typeof relaySchema>;
