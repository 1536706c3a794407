/**
 * The cdk8s app entry (`cdk8s.yaml` → `app: npx tsx src/main.ts`), so `npx cdk8s synth` works too.
 *
 * `cdk8s synth` wipes its output folder and then runs this file with CDK8S_OUTDIR set. Rather than
 * `app.synth()` (whose file layout and bytes differ from `meshtrace synth`), this runs the same
 * `synthesize()` as `npm run synth`: same files, same bytes, same check, same ownership manifest,
 * so switching between the two never leaves stale or conflicting files.
 * Config: MESHTRACE_CONFIG (file) or MESHTRACE_PROFILE (name); default profile lab.
 */
import { ConfigError } from './config/load';
import { describePerFile, describeRecovery, synthesize, SynthCheckError } from './stack/index';

try {
  const result = await synthesize({
    config: process.env.MESHTRACE_CONFIG || undefined,
    profile: process.env.MESHTRACE_CONFIG ? undefined : process.env.MESHTRACE_PROFILE || undefined,
    outdir: process.env.CDK8S_OUTDIR ?? 'dist',
  });
  if (result.write.recovered) process.stderr.write(`meshtrace: ${describeRecovery(result.write.recovered, result.write.outdir)}\n`);
  if (result.write.perFileReason) process.stderr.write(`meshtrace: ${describePerFile(result.write.perFileReason)}\n`);
  process.stdout.write(`meshtrace: profile ${result.config.profile} -> ${result.write.outdir} (${result.stack.files.length} files)\n`);
} catch (err) {
  if (err instanceof ConfigError) {
    for (const line of err.lines()) process.stderr.write(`${line}\n`);
  } else if (err instanceof SynthCheckError) {
    for (const f of err.findings)
      process.stderr.write(`${f.severity}: ${[f.file, f.object, f.field].filter(Boolean).join(': ')}: ${f.message} [${f.rule}]\n`);
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  }
  process.exitCode = 1;
}
