import type { RunningService } from './service.js';
import { getJson, send, startOnPort0 } from './test-support/http.js';

describe('ratings v1', () => {
  let ratings: RunningService;
  beforeAll(async () => {
    ratings = await startOnPort0({ service: 'ratings', version: 'v1' });
  });
  afterAll(() => ratings.close());

  it('answers 5 and 4 stars', async () => {
    expect(await getJson(ratings.port, '/ratings/0')).toEqual({
      status: 200,
      body: { id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } },
    });
  });

  it('refuses a non-numeric id, an unknown path and a wrong method', async () => {
    expect((await getJson(ratings.port, '/ratings/x')).status).toBe(400);
    expect((await getJson(ratings.port, '/ratings')).status).toBe(404);
    expect((await send(ratings.port, '/ratings/0', { method: 'POST' })).status).toBe(405);
  });
});
