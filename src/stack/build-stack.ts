/**
 * `buildStack(config)`: the whole synthesized output in memory — file names, YAML text, and the
 * parsed documents `check` reads. Nothing is written.
 */
import { App, Yaml } from 'cdk8s';
import type { ManifestDoc } from '../check/finding';
import type { MeshtraceConfig } from '../config/schema';
import { buildTracingApp, INSTALL_INPUTS } from './tracing-stack';

/** A file of the output folder, path relative to it (POSIX separators). */
export interface OutputFile {
  readonly path: string;
  readonly content: string;
}

export interface BuiltStack {
  /** Every file to write: `NNNN-<chart>.k8s.yaml` and `install/<name>`. */
  readonly files: readonly OutputFile[];
  /** Kubernetes objects (what `kubectl apply -f dist` applies), per file and position. */
  readonly docs: readonly ManifestDoc[];
  /** Installer inputs (`install/*`), as ManifestDocs so check can read them. */
  readonly installDocs: readonly ManifestDoc[];
}

export const INSTALL_DIR = 'install';

/** Runs construct validations the way `App.synth()` does, and fails with all messages at once. */
function validateApp(app: App): void {
  const errors: string[] = [];
  for (const construct of app.node.findAll()) {
    for (const message of construct.node.validate()) errors.push(`${construct.node.path}: ${message}`);
  }
  if (errors.length > 0) throw new Error(`construct validation failed:\n  ${errors.join('\n  ')}`);
}

/** Charts in dependency order (the order they were created, with namespaces first). */
function orderedCharts(app: App) {
  return app.charts;
}

export function buildStack(config: MeshtraceConfig): BuiltStack {
  const app = buildTracingApp(config);
  validateApp(app);
  const files: OutputFile[] = [];
  const docs: ManifestDoc[] = [];
  const installDocs: ManifestDoc[] = [];

  orderedCharts(app).forEach((chart, index) => {
    const objects = chart.toJson() as Record<string, unknown>[];
    if (objects.length === 0) return;
    // `0000-` prefixes keep namespaces first in kubectl's lexical order (as `cdk8s synth` names them).
    const path = `${String(index).padStart(4, '0')}-${chart.node.id}.k8s.yaml`;
    files.push({ path, content: Yaml.stringify(...objects) });
    objects.forEach((object, i) => docs.push({ file: path, index: i, object }));
  });

  const seen = new Set<string>();
  for (const input of INSTALL_INPUTS.flatMap((f) => f(config))) {
    const path = `${INSTALL_DIR}/${input.name}`;
    if (seen.has(path)) throw new Error(`two installer inputs are both named ${path}; allowed: one file per name`);
    seen.add(path);
    files.push({ path, content: `${input.header ?? ''}${Yaml.stringify(input.object)}` });
    installDocs.push({ file: path, index: 0, object: input.object });
  }
  return { files, docs, installDocs };
}
