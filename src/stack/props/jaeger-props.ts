/**
 * Config section `jaeger` → {@link JaegerProps}. The schema has already filled every default, so
 * the props say exactly what the config says (the construct's own defaults never apply here).
 */
import type { MeshtraceConfig } from '../../config/schema';
import type { JaegerProps } from '../../constructs/jaeger/jaeger';

/**
 * @param jaegerThriftHttp also receive Jaeger Thrift over HTTP (a sender needs it: Traefik v2).
 */
export function jaegerProps(config: MeshtraceConfig, jaegerThriftHttp: boolean): JaegerProps {
  const j = config.jaeger;
  return {
    topology: j.topology,
    image: j.image,
    storage: j.storage,
    collector: j.collector,
    query: j.query,
    sampling: j.sampling,
    allInOne: j.allInOne,
    jaegerThriftHttp,
  };
}
