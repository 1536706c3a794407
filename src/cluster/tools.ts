import type { ProcessRunner } from './runner';
import { DEFAULT_VERSIONS } from './versions';

/** The command-line tools the kind lane drives. istioctl is optional (Helm charts are the fallback). */
export type ToolName = 'docker' | 'kind' | 'kubectl' | 'helm' | 'istioctl';

export interface ToolStatus {
  /** True when the binary ran and answered its version command. */
  readonly found: boolean;
  /** Version as printed by the tool (e.g. `v0.32.0`, `1.30.3`), when it could be read. */
  readonly version?: string;
  /** Why the tool is not usable although present (e.g. the Docker daemon is not running). */
  readonly problem?: string;
}

export type DetectedTools = Readonly<Record<ToolName, ToolStatus>>;

/** Tools each command cannot run without. */
export const REQUIRED_TOOLS: Readonly<Record<'up' | 'smoke' | 'down', readonly ToolName[]>> = {
  up: ['docker', 'kind', 'kubectl', 'helm'],
  smoke: ['docker', 'kind', 'kubectl', 'helm'],
  down: ['docker', 'kind', 'kubectl'],
};

/** What to install, and how, for each tool (shown when a required tool is missing). */
export const INSTALL_HINTS: Readonly<Record<ToolName, string>> = {
  docker: 'Docker Engine or Docker Desktop, running (https://docs.docker.com/engine/install/); kind starts its nodes as containers',
  kind: `kind ${DEFAULT_VERSIONS.kind}: \`go install sigs.k8s.io/kind@${DEFAULT_VERSIONS.kind}\` or download https://kind.sigs.k8s.io/dl/${DEFAULT_VERSIONS.kind}/kind-linux-amd64 (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)`,
  kubectl:
    'kubectl v1.36: https://kubernetes.io/docs/tasks/tools/ (e.g. `curl -LO https://dl.k8s.io/release/v1.36.1/bin/linux/amd64/kubectl`)',
  helm: 'Helm 3.9 or newer: https://helm.sh/docs/intro/install/',
  istioctl: `optional, istioctl ${DEFAULT_VERSIONS.istio}: \`curl -L https://istio.io/downloadIstio | ISTIO_VERSION=${DEFAULT_VERSIONS.istio} sh -\` (without it Istio is installed from its Helm charts)`,
};

/** The version command of each tool; run with a short timeout so a hung daemon cannot hang the CLI. */
const VERSION_COMMANDS: Readonly<Record<ToolName, readonly string[]>> = {
  // `docker version` with a server format fails when the daemon is down: kind needs the daemon, not just the client.
  docker: ['version', '--format', '{{.Server.Version}}'],
  kind: ['version'],
  kubectl: ['version', '--client', '--output=json'],
  helm: ['version', '--short'],
  istioctl: ['version', '--remote=false', '--short'],
};

const VERSION_PATTERN = /v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?/;

/** Pulls the version out of a tool's version output (pure; undefined when none is printed). */
export function parseToolVersion(tool: ToolName, stdout: string): string | undefined {
  if (tool === 'kubectl') {
    try {
      const parsed = JSON.parse(stdout) as { clientVersion?: { gitVersion?: string } };
      if (parsed.clientVersion?.gitVersion) return parsed.clientVersion.gitVersion;
    } catch {
      // older kubectl without JSON output: fall through to the pattern
    }
  }
  const match = VERSION_PATTERN.exec(stdout);
  if (!match) return undefined;
  // helm prints `v3.19.0+g3d8990f`: the build suffix is noise for a version comparison
  return tool === 'helm' ? match[0].replace(/\+.*$/, '') : match[0];
}

/** Runs each tool's version command through the runner and reports what is usable. */
export async function detectTools(runner: ProcessRunner): Promise<DetectedTools> {
  const names = Object.keys(VERSION_COMMANDS) as ToolName[];
  const entries = await Promise.all(
    names.map(async (tool): Promise<[ToolName, ToolStatus]> => {
      const result = await runner.run(tool, VERSION_COMMANDS[tool], { timeoutMs: 15_000 });
      if (result.notFound) return [tool, { found: false }];
      if (result.exitCode !== 0) {
        const firstLine = (result.stderr || result.stdout).trim().split('\n')[0] ?? '';
        const problem =
          tool === 'docker'
            ? `the Docker daemon is not reachable (${firstLine || `exit ${result.exitCode}`})`
            : `\`${tool} ${VERSION_COMMANDS[tool].join(' ')}\` failed: ${firstLine}`;
        return [tool, { found: true, problem }];
      }
      return [tool, { found: true, version: parseToolVersion(tool, result.stdout) }];
    }),
  );
  return Object.fromEntries(entries) as Record<ToolName, ToolStatus>;
}

/** Required tools that are absent or unusable, each with its install hint (empty when all is well). */
export function missingTools(tools: DetectedTools, required: readonly ToolName[]): string[] {
  return required
    .filter((tool) => !tools[tool].found || tools[tool].problem)
    .map((tool) =>
      tools[tool].found
        ? `${tool}: ${tools[tool].problem} — ${INSTALL_HINTS[tool]}`
        : `${tool} is not installed — install ${INSTALL_HINTS[tool]}`,
    );
}

/** True when the version printed by a tool names the same release as `wanted` (a leading `v` is ignored). */
export function sameRelease(found: string | undefined, wanted: string): boolean {
  if (!found) return false;
  return found.replace(/^v/, '') === wanted.replace(/^v/, '');
}
