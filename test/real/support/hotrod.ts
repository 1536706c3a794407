/**
 * The real HotROD (`hotrod all`: frontend, customer, driver, route in one process) on loopback,
 * exporting OTLP/HTTP to a given collector. Flags and env from examples/hotrod at the pinned tag:
 * every service binds `--*-service-hostname` (default 0.0.0.0, so set to 127.0.0.1) and a port flag;
 * the exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (a base URL; HTTP/protobuf only, never gRPC).
 */
import { acceptsConnections, peerPath, startPeerOnFreePorts, type PeerProcess } from '../../support/peers';

export interface RunningHotrod {
  readonly frontendUrl: string;
  readonly peer: PeerProcess;
}

export async function startHotrod(otlpHttpUrl: string, jaegerUiUrl: string): Promise<RunningHotrod> {
  const { peer, ports } = await startPeerOnFreePorts(4, ([frontend, customer, driver, route]) => {
    const roles = { frontend, customer, driver, route } as Record<string, number>;
    const args = ['all', '--otel-exporter', 'otlp', '--jaeger-ui', jaegerUiUrl];
    for (const [role, port] of Object.entries(roles))
      args.push(`--${role}-service-hostname`, '127.0.0.1', `--${role}-service-port`, String(port));
    return {
      name: 'hotrod',
      program: peerPath('hotrod'),
      args,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlpHttpUrl },
      // /config is the frontend's; the other three run in goroutines of the same process with no
      // health endpoint, so their ports must accept connections too before a dispatch can succeed.
      healthUrl: `http://127.0.0.1:${frontend}/config`,
      ready: async () => (await Promise.all([customer!, driver!, route!].map(acceptsConnections))).every(Boolean),
    };
  });
  return { frontendUrl: `http://127.0.0.1:${ports[0]}`, peer };
}
