/**
 * The Ajv options Traefik values are validated with: the same for the built-in schema, compiled
 * ahead of time by scripts/derive-traefik-chart-schema.ts, and for a `--traefik-schema` file,
 * compiled when check runs.
 */
export const TRAEFIK_AJV_OPTIONS = { allErrors: true, strict: false, allowUnionTypes: true } as const;
