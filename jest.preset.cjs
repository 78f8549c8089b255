// Shared jest setup. Sources are ESM TypeScript; swc compiles them to CommonJS for jest so no
// experimental VM modules are needed. Workspace packages resolve to their sources, so tests never
// depend on a stale build.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  reporters: ['default', path.join(__dirname, 'infra/jest-results-reporter.cjs')],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
    // The OTLP exporter loads node:http with a dynamic import(), which jest's CommonJS runtime
    // cannot run without --experimental-vm-modules; compiled to require() it runs as in Node.
    '/node_modules/@opentelemetry/otlp-exporter-base/.+\\.js$': [
      '@swc/jest',
      { module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@opentelemetry/otlp-exporter-base/)'],
  moduleNameMapper: {
    '^@mesh/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
    '^@mesh/([a-z-]+)/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/$2.ts'),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
