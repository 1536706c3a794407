// Preloaded into a real `meshtrace` child (`node --import ./test/support/fs-call-hook.mjs bin/meshtrace.mjs …`)
// so a test can SIGKILL it at an exact filesystem call, the CLI itself unchanged. Every node:fs/promises
// call whose first argument lies under MESHTRACE_FS_HOOK_UNDER is counted; the n-th is logged to fd
// MESHTRACE_FS_HOOK_FD (`<n> <call> <path>[ <destination>]`) before it is made, and when n equals
// MESHTRACE_FS_HOOK_KILL_AT the process SIGKILLs itself instead: that call and everything after it never runs.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const require = createRequire(import.meta.url);
const fs = require('node:fs');
const under = process.env.MESHTRACE_FS_HOOK_UNDER;
const killAt = Number(process.env.MESHTRACE_FS_HOOK_KILL_AT ?? 0);
const fd = process.env.MESHTRACE_FS_HOOK_FD === undefined ? undefined : Number(process.env.MESHTRACE_FS_HOOK_FD);
let n = 0;

/** A whole line before the call goes on; the pipe may be non-blocking (EAGAIN while the parent catches up). */
function log(line) {
  const bytes = Buffer.from(line);
  for (let offset = 0; offset < bytes.length;) {
    try {
      offset += fs.writeSync(fd, bytes, offset);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
}

if (under) {
  for (const [name, original] of Object.entries(fs.promises)) {
    if (typeof original !== 'function') continue;
    fs.promises[name] = function counted(...args) {
      if (typeof args[0] === 'string' && (args[0] === under || args[0].startsWith(`${under}/`))) {
        n += 1;
        if (n === killAt) process.kill(process.pid, 'SIGKILL');
        if (fd !== undefined)
          log(`${n} ${name} ${args[0]}${typeof args[1] === 'string' && args[1].startsWith('/') ? ` ${args[1]}` : ''}\n`);
      }
      return original.apply(this, args);
    };
  }
  // ESM `import * as fsp from 'node:fs/promises'` (what the compiled CLI does) sees the patched functions only after this.
  syncBuiltinESMExports();
}
