import { createServer } from 'node:net';
import { canListen, ephemeralRange, freePort } from './ports.js';

describe('local mesh ports', () => {
  it('hands out distinct free ports below the ephemeral range', async () => {
    const [low] = ephemeralRange();
    const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()));
    expect(new Set(ports).size).toBe(50);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(low);
      expect(await canListen(port)).toBe(true);
    }
  });

  it('says a port is taken while something listens on it', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    expect(await canListen(port)).toBe(false);
    await new Promise((r) => server.close(r));
    expect(await canListen(port)).toBe(true);
  });
});
