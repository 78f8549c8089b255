// productpage's sign-in, as thin as Bookinfo's: no password check, the user name is the session.
// It ends up in the `end-user` header, so it must be a valid header value.

const COOKIE = 'session';
const MAX_USERNAME = 128;

/** A user name we can put in a header: printable ASCII, no leading or trailing space. */
export function isValidUsername(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= MAX_USERNAME &&
    /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(name)
  );
}

export function sessionCookie(username: string): string {
  return `${COOKIE}=${encodeURIComponent(username)}; Path=/; HttpOnly; SameSite=Lax`;
}

export function clearedSessionCookie(): string {
  return `${COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`;
}

/** The signed-in user of a `Cookie` header, if any; a malformed session counts as signed out. */
export function sessionUser(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const pair of cookieHeader.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== COOKIE) continue;
    let user: string;
    try {
      user = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
    return isValidUsername(user) ? user : undefined;
  }
  return undefined;
}
