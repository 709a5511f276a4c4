// examples/arena-client.mjs against a tiny local HTTP server that answers what arenalab
// answers when saturated (503/429 + Retry-After) and records what the client sent.
// Run by tests/examples/test_js_client.py: node --test tests/examples/arena-client.test.mjs
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import test from 'node:test';
import { ApiError, ArenaClient, retryDelay } from '../../examples/arena-client.mjs';

/** Serve `answer(request, body)` -> {status, headers, json}; returns its URL and the log. */
async function tinyServer(answer) {
  const seen = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => { text += chunk; });
    request.on('end', () => {
      const body = text ? JSON.parse(text) : undefined;
      seen.push({ method: request.method, url: request.url, auth: request.headers.authorization,
        type: request.headers['content-type'], body, at: Date.now() });
      const { status = 200, headers = {}, json = {} } = answer(request, body, seen.length);
      response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      response.end(JSON.stringify(json));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

test('a 503 is retried after the Retry-After the server sent', async () => {
  const server = await tinyServer((_, __, n) => (n === 1
    ? { status: 503, headers: { 'Retry-After': '1' }, json: { detail: 'log saturated' } }
    : { json: { id: 7 } }));
  try {
    const fighter = await new ArenaClient(server.url).registerFighter('a.glb');
    assert.equal(fighter.id, 7);
    assert.equal(server.seen.length, 2);
    const waited = server.seen[1].at - server.seen[0].at;
    assert.ok(waited >= 950, `retried after ${waited} ms, Retry-After said 1 s`);
  } finally { await server.close(); }
});

test('429 is retried too, and the client gives up after its retries with the 503', async () => {
  const server = await tinyServer((_, __, n) => ({
    status: n === 1 ? 429 : 503, headers: { 'Retry-After': '120' }, json: { detail: 'full' } }));
  try {
    const client = new ArenaClient(server.url, { retries: 2, maxRetryDelayS: 0.05 });
    const started = Date.now();
    await assert.rejects(client.fighterStats(1),
      (error) => error instanceof ApiError && error.status === 503 && error.detail === 'full');
    assert.equal(server.seen.length, 3);   // the first try and two retries
    assert.ok(Date.now() - started < 2000, 'a Retry-After of 120 s is capped by maxRetryDelayS');
  } finally { await server.close(); }
});

test('a 422 is not retried and names the field', async () => {
  const detail = [{ loc: ['body', 'glb_filename'], msg: 'too short', type: 'string_too_short' }];
  const server = await tinyServer(() => ({ status: 422, json: { detail } }));
  try {
    await assert.rejects(new ArenaClient(server.url).registerFighter(''),
      (error) => error.status === 422 && error.detail[0].loc[1] === 'glb_filename');
    assert.equal(server.seen.length, 1);
  } finally { await server.close(); }
});

test('frames go with the episode token, everything else with the API key', async () => {
  const server = await tinyServer((request) => (request.url === '/api/episodes'
    ? { status: 201, json: { id: 3, ingest_token: 'tok-3' } } : { json: {} }));
  try {
    const arena = new ArenaClient(server.url, { apiKey: 'the-key' });
    await arena.registerFighter('a.glb');
    const episode = await arena.startEpisode(1, [2]);
    await arena.recordFrame(episode, { frameNumber: 0, fighterPos: [0, 5] });
    const batch = arena.batchRecorder(episode, { every: 2 });
    for (let i = 1; i <= 3; i += 1) batch.record({ frameNumber: i, fighterPos: [0, i] });
    await batch.close();
    await arena.completeEpisode(episode, { totalReward: 1, duration: 4, isVictory: true, finalRank: 1 });
    await arena.fighterStats(1);
    const calls = server.seen.map((s) => `${s.method} ${s.url} ${s.auth}`);
    assert.deepEqual(calls, [
      'POST /api/fighters Bearer the-key',
      'POST /api/episodes Bearer the-key',
      'POST /api/fight-frames Bearer tok-3',
      'POST /api/fight-frames/batch Bearer tok-3',
      'POST /api/fight-frames/batch Bearer tok-3',
      'PATCH /api/episodes/3 Bearer tok-3',
      'GET /api/fighters/1/stats Bearer the-key',
    ]);
    assert.ok(server.seen.filter((s) => s.body).every((s) => s.type === 'application/json'));
    const batches = server.seen.filter((s) => s.url.endsWith('/batch')).map((s) => s.body);
    assert.deepEqual(batches.map((b) => b.map((f) => f.frame_number)), [[1, 2], [3]]);
    assert.deepEqual(batches[0][0], { episode_id: 3, frame_number: 1, fighter_position: [0, 1] });
    assert.deepEqual(server.seen[5].body,
      { total_reward: 1, duration_frames: 4, is_victory: true, rank: 1 });
  } finally { await server.close(); }
});

test('a refused batch does not stop recording; close() reports it', async () => {
  const server = await tinyServer((_, body) => (body.some((f) => f.frame_number === 2)
    ? { status: 409, json: { detail: 'episode 3 is closed' } } : { json: {} }));
  try {
    const batch = new ArenaClient(server.url).batchRecorder({ id: 3 }, { every: 2 });
    for (let i = 0; i < 6; i += 1) await batch.record({ frameNumber: i });
    await assert.rejects(batch.close(), (error) => error.status === 409);
    assert.equal(server.seen.length, 3);   // the batch after the refused one was still sent
  } finally { await server.close(); }
});

test('Retry-After as an HTTP date, a missing one, and the cap', () => {
  const inTwo = new Date(Date.now() + 2000).toUTCString();
  assert.ok(Math.abs(retryDelay(inTwo, 1, 10) - 2) <= 1);
  assert.equal(retryDelay(null, 1, 10), 1);
  assert.equal(retryDelay('300', 1, 10), 10);
});
