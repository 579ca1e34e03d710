// VS Code settings -> initializationOptions / didChangeConfiguration, and the server's command line.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverArgs, toServerSettings, type ConfigurationReader } from '../src/settings';

function reader(values: Record<string, unknown>): ConfigurationReader {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

// The defaults package.json declares.
const defaults = { path: '', torchVersion: '', severity: {}, select: [], ignore: [], logLevel: 'info' };

test('defaults send only the log level, so project config files decide the rest', () => {
  assert.deepEqual(toServerSettings(reader(defaults)), { logLevel: 'info' });
});

test('every setting maps to its server key; client-only keys are not sent', () => {
  const got = toServerSettings(
    reader({
      ...defaults,
      path: '/opt/exportdb',
      'trace.server': 'verbose',
      torchVersion: ' 2.5 ',
      severity: { dynamic_shape_round: 'Warning', list_unpack: 'off' },
      select: ['torch.dynamic-shape', 'dynamic_shape_round'],
      ignore: ['static_for_loop'],
      logLevel: 'debug',
    }),
  );
  assert.deepEqual(got, {
    torchVersion: '2.5',
    severity: { dynamic_shape_round: 'warning', list_unpack: 'off' },
    select: ['torch.dynamic-shape', 'dynamic_shape_round'],
    ignore: ['static_for_loop'],
    logLevel: 'debug',
  });
});

test('malformed values from settings.json are dropped, not sent', () => {
  const got = toServerSettings(
    reader({ torchVersion: '   ', severity: ['error'], select: ['', 3, ' x '], ignore: 'static_for_loop', logLevel: 'loud' }),
  );
  assert.deepEqual(got, { select: ['x'], logLevel: 'info' });
});

test('the server runs as `exportdb lsp --log-level L`', () => {
  assert.deepEqual(serverArgs(reader(defaults)), ['lsp', '--log-level', 'info']);
  assert.deepEqual(serverArgs(reader({ logLevel: 'debug' })), ['lsp', '--log-level', 'debug']);
});
