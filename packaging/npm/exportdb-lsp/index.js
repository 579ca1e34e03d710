'use strict';
// exportdb-lsp on npm: the exportdb executable comes in a per-platform package
// (@exportdb-lsp/linux-x64, ...), which npm installs as the one optional dependency whose
// os and cpu match. binaryPath() finds it, for the bin/exportdb.js launcher and for tools
// that start `exportdb lsp` themselves.
const path = require('path');

const exe = process.platform === 'win32' ? 'exportdb.exe' : 'exportdb';

/** The npm package that carries the binary for this platform. */
function platformPackage(platform = process.platform, arch = process.arch) {
  return `@exportdb-lsp/${platform}-${arch}`;
}

/** The absolute path of the exportdb executable; throws when no platform package is installed. */
function binaryPath() {
  const pkg = platformPackage();
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch (e) {
    throw new Error(
      `exportdb-lsp: ${pkg} is not installed, so there is no exportdb binary for ` +
        `${process.platform}-${process.arch}. Reinstall without --omit=optional/--no-optional, ` +
        `or install the binary another way (pip install exportdb-lsp, or a release archive).`,
    );
  }
}

module.exports = { binaryPath, platformPackage, packageDir: path.dirname(__filename) };
