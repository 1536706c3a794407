export * from './traefik-errors';
export * from './traefik-values-rules';
export * from './traefik-v3-values';
export * from './traefik-v2-values';
export * from './traefik-values';
export * from './traefik-ingress-route';
