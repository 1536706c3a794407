/**
 * Applies the enterprise config transforms to Jaeger workloads that are already built (the
 * `Jaeger` construct's collector / query / all-in-one, or the ingester), without changing those
 * constructs: the rendered `config.yaml` of the workload's ConfigMap is replaced (JSON patch on
 * the synthesized object), the config hash annotation follows so pods roll, and the env vars and
 * secret volumes the new config references are added to the container.
 *
 * Why patching rather than props: the Jaeger constructs stay about Jaeger; each capability is one
 * pure transform in jaeger-config-extensions.ts, tested on its own.
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import type { IConstruct } from 'constructs';
import { parseYamlDocument, YAML_LIMITS } from '../../yaml/load';
import { sha256, toConfigYaml } from '../jaeger/_jaeger-workload';
import { JAEGER_CONFIG_FILE } from '../jaeger/jaeger-config';
import type { SecretKeyRef } from '../workload-defaults';

type Obj = Record<string, unknown>;

export interface JaegerWorkloadPatch {
  /** Pure transform of the parsed config. @default - the config is left as it is */
  readonly transform?: (config: Obj) => Obj;
  /** Env vars from Secret keys. @default - none */
  readonly secretEnv?: Readonly<Record<string, SecretKeyRef>>;
  /** Secret keys mounted as files: directory → the Secret key (file name = key). @default - none */
  readonly secretFiles?: Readonly<Record<string, SecretKeyRef>>;
  /** Extra container ports. @default - none */
  readonly ports?: readonly { readonly name: string; readonly port: number }[];
}

/** The ConfigMap and Deployment of a workload built by `jaegerWorkload` (children `Config`, `Deployment`). */
export function jaegerWorkloadParts(workload: IConstruct): { configMap: kplus.ConfigMap; deployment: kplus.Deployment } {
  const configMap = workload.node.tryFindChild('Config');
  const deployment = workload.node.tryFindChild('Deployment');
  if (!(configMap instanceof kplus.ConfigMap) || !(deployment instanceof kplus.Deployment)) {
    throw new Error(
      `patchJaegerWorkload: ${workload.node.path} has no Config ConfigMap and Deployment children; allowed: a workload built by jaegerWorkload (collector, query, all-in-one, ingester)`,
    );
  }
  return { configMap, deployment };
}

export function patchJaegerWorkload(workload: IConstruct, patch: JaegerWorkloadPatch): void {
  const { configMap, deployment } = jaegerWorkloadParts(workload);
  const container = deployment.containers[0]!;
  if (patch.transform) {
    const files = configMap.data;
    const current = files[JAEGER_CONFIG_FILE];
    if (current === undefined) throw new Error(`patchJaegerWorkload: ${configMap.name} has no ${JAEGER_CONFIG_FILE}`);
    const next = toConfigYaml(
      patch.transform(parseYamlDocument(current, `${configMap.name} ${JAEGER_CONFIG_FILE}`, YAML_LIMITS.embedded).value as Obj),
    );
    ApiObject.of(configMap).addJsonPatch(JsonPatch.replace(`/data/${JAEGER_CONFIG_FILE}`, next));
    const all = { ...files, [JAEGER_CONFIG_FILE]: next };
    // Same hash recipe as jaegerWorkload, so the annotation always describes the files pods mount.
    deployment.podMetadata.addAnnotation(
      'meshtrace.dev/config-sha256',
      sha256(
        Object.entries(all)
          .map(([k, v]) => `${k}\n${v}`)
          .join('\n'),
      ),
    );
  }
  for (const [name, ref] of Object.entries(patch.secretEnv ?? {})) {
    container.env.addVariable(
      name,
      kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(workload, `Secret-${name}`, ref.name), key: ref.key }),
    );
  }
  for (const [dir, ref] of Object.entries(patch.secretFiles ?? {})) {
    const id = `SecretFiles${dir.replace(/[^A-Za-z0-9]/g, '-')}`;
    const volume = kplus.Volume.fromSecret(workload, id, kplus.Secret.fromSecretName(workload, `${id}-Secret`, ref.name), {
      name: dir.split('/').filter(Boolean).pop()!,
      items: { [ref.key]: { path: ref.key } },
    });
    container.mount(dir, volume, { readOnly: true });
  }
  for (const p of patch.ports ?? []) container.addPort({ number: p.port, name: p.name });
}
