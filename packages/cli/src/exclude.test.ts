import { compileExcludes } from './exclude.js';

describe('compileExcludes', () => {
  it('matches a bare name against every path segment name, at any depth', () => {
    const excluded = compileExcludes(['tasks']);
    expect(excluded('tasks')).toBe(true);
    expect(excluded('bookinfo/tasks')).toBe(true);
    expect(excluded('bookinfo/tasks.yaml')).toBe(false);
    expect(excluded('bookinfo/mytasks')).toBe(false);
  });

  it('expands * within one segment only', () => {
    const excluded = compileExcludes(['*.json']);
    expect(excluded('a/b/c.json')).toBe(true);
    expect(excluded('c.yaml')).toBe(false);
  });

  it('anchors patterns with a slash at the walked directory', () => {
    const excluded = compileExcludes(['bookinfo/tasks']);
    expect(excluded('bookinfo/tasks')).toBe(true);
    expect(excluded('other/bookinfo/tasks')).toBe(false);
    expect(excluded('tasks')).toBe(false);
  });

  it('lets **/ match zero or more directories', () => {
    const excluded = compileExcludes(['**/test-*.yaml']);
    expect(excluded('test-a.yaml')).toBe(true);
    expect(excluded('x/y/test-a.yaml')).toBe(true);
    expect(excluded('x/y/prod-a.yaml')).toBe(false);
  });

  it('treats regex metacharacters literally and ignores ./ and trailing /', () => {
    const excluded = compileExcludes(['./a+b/', 'v1.yaml']);
    expect(excluded('a+b')).toBe(true);
    expect(excluded('aab')).toBe(false);
    expect(excluded('v1xyaml')).toBe(false);
  });

  it('excludes nothing without patterns', () => {
    expect(compileExcludes([])('anything')).toBe(false);
  });
});
