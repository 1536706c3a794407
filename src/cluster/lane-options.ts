/**
 * The flags `up` and `smoke` share. Kept apart from cli-support so that registering the commands
 * (every CLI start, `--help` included) does not import the lane's executor, synth and verifier.
 */
import { Option, type Command } from 'commander';
import { CliError, EXIT_CANNOT_CHECK } from '../errors';
import { secondsFlag } from '../cli/flags';
import { PROFILE_NAMES } from '../config/profile-names';
import type { LaneOptions } from './lane';

export interface LaneCliOptions {
  readonly profile: string;
  readonly config?: string;
  readonly name: string;
  readonly outdir: string;
  readonly stateDir: string;
  readonly istioInstaller: 'auto' | 'istioctl' | 'helm';
  readonly istioRequests: 'demo' | 'chart';
  readonly waitTimeout?: string;
  readonly dryRun?: boolean;
}

export function addLaneOptions(command: Command): Command {
  return command
    .addOption(
      new Option('-p, --profile <name>', 'config profile to synthesize (kind profiles: lab, ci)')
        .choices([...PROFILE_NAMES])
        .default('lab'),
    )
    .addOption(new Option('-c, --config <file>', 'config file to synthesize instead of a profile'))
    .addOption(new Option('--name <cluster>', 'kind cluster name').default('meshtrace'))
    .addOption(new Option('-o, --outdir <dir>', 'synth output folder').default('dist'))
    .addOption(new Option('--state-dir <dir>', 'where the kit records clusters it created').default('.meshtrace'))
    .addOption(
      new Option('--istio-installer <how>', 'install Istio with istioctl or the Helm charts (auto: istioctl when it is the pinned release)')
        .choices(['auto', 'istioctl', 'helm'])
        .default('auto'),
    )
    .addOption(
      new Option(
        '--istio-requests <size>',
        "resource requests of the Istio Helm charts: demo (10m CPU, fits 2-vCPU runners) or the charts' own",
      )
        .choices(['demo', 'chart'])
        .default('demo'),
    )
    .addOption(
      new Option('--wait-timeout <duration>', 'how long to wait for every Deployment/StatefulSet, e.g. 10m (default: lab 10m, ci 15m)'),
    )
    .addOption(new Option('--dry-run', 'print the exact steps (commands, manifests, waits) without running them'));
}

export function laneOptionsFrom(opts: LaneCliOptions): LaneOptions {
  const waitTimeoutSeconds = opts.waitTimeout !== undefined ? secondsFlag('--wait-timeout', opts.waitTimeout) : undefined;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(opts.name)) {
    throw new CliError(
      `--name ${JSON.stringify(opts.name)} is not a valid kind cluster name (lower-case letters, digits and '-')`,
      EXIT_CANNOT_CHECK,
    );
  }
  return {
    profile: opts.profile,
    configFile: opts.config,
    clusterName: opts.name,
    distDir: opts.outdir,
    stateDir: opts.stateDir,
    istioInstaller: opts.istioInstaller,
    istioRequests: opts.istioRequests,
    waitTimeoutSeconds,
  };
}
