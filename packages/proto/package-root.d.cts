// Absolute path of packages/proto (see package-root.cjs).
declare const packageRoot: string;
export = packageRoot;
