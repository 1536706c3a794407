/**
 * A reference to one key of a Kubernetes Secret. Credentials only ever enter the synthesized
 * manifests as such references (env `secretKeyRef`, secret volumes), never as values: the kit's
 * output is meant to be committed to git and applied by CI.
 */
import { z } from 'zod';

/** RFC 1123 subdomain: what Kubernetes accepts as a Secret name. */
const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export const secretKeyRefSchema = z.strictObject({
  /** Secret name in the workload's namespace (created outside meshtrace, e.g. by External Secrets). */
  name: z.string().max(253).regex(SECRET_NAME, {
    message: 'is not a Secret name; allowed: lower-case a-z, 0-9, "-" and ".", starting and ending with a letter or digit',
  }),
  /** Key inside the Secret's data. */
  key: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[-._a-zA-Z0-9]+$/, { message: 'is not a Secret key; allowed: letters, digits, "-", "_" and "."' }),
});
export type SecretKeyRef = z.infer<typeof secretKeyRefSchema>;

/** A Secret reference whose key has a conventional default (`ca.crt`, `password` …). */
export function secretKeyRefWithDefaultKey(defaultKey: string) {
  return z.strictObject({
    name: secretKeyRefSchema.shape.name,
    key: secretKeyRefSchema.shape.key.default(defaultKey),
  });
}
