/**
 * Zipkin's server, the exec jar from Maven Central, fetched by Maven itself (`dependency:copy`)
 * and run by a small wrapper with the machine's Java (17).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Recipe } from '../recipe';
import { PEER_VERSIONS } from '../versions';

const version = PEER_VERSIONS.zipkin;
/** Maven's own plugin, pinned (the one Maven 3.8 picks by default has no `-Dartifact` for copy). */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.11.0';
const JAR = `zipkin-server-${version}-exec.jar`;

export const zipkin: Recipe = {
  name: 'zipkin',
  version,
  programs: ['zipkin-server'],
  async install(ctx) {
    const mvn = ctx.tool('mvn', 'Apache Maven 3 (Debian: `apt-get install maven`)');
    ctx.tool('java', 'Java ≥ 17 (Debian: `apt-get install openjdk-17-jre-headless`)');
    const lib = join(ctx.dir, 'lib');
    await ctx.run(
      `mvn dependency:copy io.zipkin:zipkin-server:${version}:jar:exec`,
      mvn,
      ['-B', '-q', `${DEPENDENCY_PLUGIN}:copy`, `-Dartifact=io.zipkin:zipkin-server:${version}:jar:exec`, `-DoutputDirectory=${lib}`],
      {
        cwd: ctx.dir,
        failure: `Maven Central did not give io.zipkin:zipkin-server:${version}:jar:exec (or ${DEPENDENCY_PLUGIN})`,
      },
    );
    const wrapper = join(ctx.binDir, 'zipkin-server');
    // JAVA_HOME wins when set (as Maven and Gradle do); JAVA_OPTS passes JVM flags.
    writeFileSync(wrapper, `#!/bin/sh\nexec "\${JAVA_HOME:+$JAVA_HOME/bin/}java" \${JAVA_OPTS:-} -jar "${join(lib, JAR)}" "$@"\n`);
    chmodSync(wrapper, 0o755);
  },
};
