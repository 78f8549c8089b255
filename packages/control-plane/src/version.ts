// Kept in step with package.json by version.test.ts; reading package.json at runtime would need
// import.meta, which the jest (CommonJS) build cannot compile. Served on /version.
export const VERSION = '0.1.0';
