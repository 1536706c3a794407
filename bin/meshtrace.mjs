#!/usr/bin/env node
// The compiled CLI (lib/, from `npm run build`; the published package ships it built).
import { main } from '../lib/cli.js';

process.exitCode = await main(process.argv);
