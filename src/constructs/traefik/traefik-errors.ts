import type { Finding } from '../../finding';

/**
 * Thrown by the Traefik values builders when the props would produce values Traefik cannot run
 * with. The message lists every problem with its field, value and fix; `findings` keeps them
 * machine-readable for `meshtrace synth --json`.
 */
export class TraefikValuesError extends Error {
  constructor(
    readonly findings: readonly Finding[],
    context = 'Traefik Helm values',
  ) {
    super(
      `${context} rejected:\n${findings.map((f) => `  - ${f.field ? `${f.field}: ` : ''}${f.message}${f.fix ? ` (fix: ${f.fix})` : ''}`).join('\n')}`,
    );
    this.name = 'TraefikValuesError';
  }
}

/** Throws a TraefikValuesError naming `field`, the bad `value` and what is `allowed`. */
export function rejectProp(field: string, value: unknown, allowed: string): never {
  throw new TraefikValuesError(
    [
      {
        rule: 'traefik-values/prop',
        severity: 'error',
        field,
        message: `${field} is ${JSON.stringify(value)}`,
        fix: `allowed: ${allowed}`,
      },
    ],
    'Traefik props',
  );
}
