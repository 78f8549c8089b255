import { clearedSessionCookie, isValidUsername, sessionCookie, sessionUser } from './session.js';

describe('session', () => {
  it.each([
    ['jason', true],
    ['Jane Doe', true],
    ['a@b.c', true],
    ['', false],
    [' jason', false],
    ['jason ', false],
    ['ja\nson', false],
    ['jäson', false],
    ['x'.repeat(129), false],
  ])('isValidUsername(%j) is %s', (name, valid) => {
    expect(isValidUsername(name)).toBe(valid);
  });

  it('reads back the user of the cookie it sets, among other cookies', () => {
    const cookie = sessionCookie('Jane Doe; x=1').split(';')[0];
    expect(cookie).toBe('session=Jane%20Doe%3B%20x%3D1');
    expect(sessionUser(`a=1; ${cookie}; b=2`)).toBe('Jane Doe; x=1');
    expect(sessionCookie('jason')).toMatch(/^session=jason; Path=\//);
  });

  it('counts a missing, cleared or malformed session as signed out', () => {
    expect(sessionUser(undefined)).toBeUndefined();
    expect(sessionUser('other=jason')).toBeUndefined();
    expect(sessionUser('session=')).toBeUndefined();
    expect(sessionUser('session=%E0%A4%A')).toBeUndefined();
    expect(sessionUser('session=a%0Ab')).toBeUndefined();
    expect(clearedSessionCookie()).toMatch(/^session=; Path=\/; Max-Age=0/);
  });
});
