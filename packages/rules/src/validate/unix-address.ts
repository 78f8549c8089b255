// Unix domain socket addresses (`unix:///var/run/app.sock`, or abstract `unix://@name`).
export const UNIX_PREFIX = 'unix://';

export function unixAddressProblem(path: string): string | undefined {
  if (path === '') return 'unix address must not be empty';
  if (path.startsWith('@')) return undefined;
  if (!path.startsWith('/') || path.endsWith('/'))
    return `unix address "${path}" is not an absolute path to a file`;
  return undefined;
}
