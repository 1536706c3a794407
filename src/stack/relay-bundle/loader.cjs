// meshtrace relay loader: the ConfigMap carries the relay as gzip (binaryData `relay.cjs.gz`, well under
// the 256 KiB kubectl last-applied annotation limit); this unpacks it in memory and runs it as a module.
// Arguments are the CLI's: `node loader.cjs relay --listen 0.0.0.0:8080 ...`.
'use strict';
const { gunzipSync } = require('node:zlib');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const Module = require('node:module');

const file = join(__dirname, 'relay.cjs');
const relay = new Module(file, module);
relay.filename = file;
relay.paths = [];
relay._compile(gunzipSync(readFileSync(`${file}.gz`)).toString('utf8'), file);
