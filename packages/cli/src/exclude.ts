// --exclude patterns, gitignore-flavoured: a pattern without "/" matches the name of any file or
// directory at any depth (`tasks`, `*.json`); a pattern with "/" matches the path relative to
// the directory given with -f (`bookinfo/tasks`, `**/test-*.yaml`).

export type ExcludeMatcher = (relativePath: string) => boolean;

export function compileExcludes(patterns: readonly string[]): ExcludeMatcher {
  const matchers = patterns
    .map((p) => p.replace(/^\.\//, '').replace(/\/+$/, ''))
    .filter((p) => p !== '')
    .map((p) => {
      const anchored = p.includes('/');
      const re = globToRegExp(anchored ? p.replace(/^\//, '') : p);
      return (rel: string) =>
        anchored ? re.test(rel) : re.test(rel.slice(rel.lastIndexOf('/') + 1));
    });
  return (rel) => matchers.some((m) => m(rel));
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` also matches zero directories, so `**/x` matches a top-level `x`.
      if (glob[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
