#!/usr/bin/env node
'use strict';
// `exportdb ARGS` from npm: runs the platform's exportdb binary with stdin, stdout and
// stderr passed through (so `exportdb lsp` speaks LSP as the binary does) and exits as it does.
const { spawnSync } = require('child_process');
const { binaryPath } = require('..');

let bin;
try {
  bin = binaryPath();
} catch (e) {
  console.error(e.message);
  process.exit(2);
}
const r = spawnSync(bin, process.argv.slice(2), { stdio: 'inherit', windowsHide: true });
if (r.error) {
  console.error(`exportdb-lsp: cannot run ${bin}: ${r.error.message}`);
  process.exit(2);
}
if (r.signal) {
  process.kill(process.pid, r.signal);
}
process.exit(r.status === null ? 1 : r.status);
