// The arena game's client for arenalab (seed 000): the seed's calls, batching or
// streaming frames, real-time actions, and retries that honour Retry-After.
// Runs in browsers and in Node 20+ (global fetch; the streaming recorder needs a global
// WebSocket: Node 22+, or `node --experimental-websocket` on Node 20). No dependencies.
//
//   import { ArenaClient } from './arena-client.mjs';
//   const arena = new ArenaClient('http://localhost:8001');
//   const fighter = await arena.registerFighter('bacon-cyborg.glb');
//   const episode = await arena.startEpisode(fighter.id, [2, 3]);
//   const frames = arena.batchRecorder(episode);       // or await arena.streamRecorder(episode)
//   frames.record({ frameNumber: 1, fighterPos: [0, 5], ... });   // the seed's frameData
//   await frames.close();
//   await arena.completeEpisode(episode, { totalReward, duration, isVictory, finalRank });

/** An answer that is not a success; `detail` is the API's JSON detail (422s name the field). */
export class ApiError extends Error {
  constructor(status, detail, method, path) {
    super(`${method} ${path}: ${status} ${JSON.stringify(detail)}`);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
  }
}

/** Statuses that mean "not stored, come back later": Serve's full queues and saturated logs. */
const RETRYABLE = new Set([429, 503]);

const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/**
 * Seconds to wait before retrying: the server's Retry-After (seconds or an HTTP date),
 * else `fallback`, never more than `cap` (a game frame must not stall for minutes).
 */
export function retryDelay(retryAfter, fallback, cap) {
  let seconds = Number(retryAfter);
  if (retryAfter == null || retryAfter === '' || !Number.isFinite(seconds)) {
    const date = Date.parse(retryAfter ?? '');
    seconds = Number.isNaN(date) ? fallback : (date - Date.now()) / 1000;
  }
  return Math.min(Math.max(seconds, 0), cap);
}

/** The JSON `detail` of an error answer, or its text (a proxy's HTML page, say). */
function errorDetail(text) {
  try { return JSON.parse(text).detail ?? text; } catch { return text; }
}

/** The seed's camelCase `frameData` as the API's frame JSON (already snake_case: kept). */
export function frameBody(episodeId, f) {
  if (f.frame_number !== undefined) return { episode_id: episodeId, ...f };
  return {
    episode_id: episodeId, frame_number: f.frameNumber,
    fighter_position: f.fighterPos, fighter_health: f.fighterHealth,
    fighter_velocity: f.fighterVel, enemies_state: f.enemies, action_vector: f.action,
    reward_delta: f.reward, cumulative_reward: f.cumulativeReward,
    observation_vector: f.observation,
  };
}

export class ArenaClient {
  /**
   * @param {string} baseUrl e.g. 'http://localhost:8001'
   * @param {object} [options]
   * @param {string} [options.apiKey] the server's key (a game server; never ship it to a browser)
   * @param {number} [options.retries=5] attempts after the first on 503/429
   * @param {number} [options.maxRetryDelayS=10] cap on one wait, whatever Retry-After says
   */
  constructor(baseUrl = 'http://localhost:8001', { apiKey, retries = 5, maxRetryDelayS = 10 } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.apiKey = apiKey;
    this.retries = retries;
    this.maxRetryDelayS = maxRetryDelayS;
  }

  /**
   * One JSON request, retried while the server answers 503/429 (nothing was stored, so a
   * retry is safe for every call). `credential` overrides the key (an episode's token).
   */
  async request(method, path, body, credential = this.apiKey) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';  // else 415
    if (credential) headers.Authorization = `Bearer ${credential}`;
    const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
    for (let attempt = 0; ; attempt += 1) {
      const response = await fetch(this.baseUrl + path, init);
      if (RETRYABLE.has(response.status) && attempt < this.retries) {
        await response.body?.cancel();
        await sleep(retryDelay(response.headers.get('Retry-After'), 1, this.maxRetryDelayS));
        continue;
      }
      const text = await response.text();
      if (!response.ok) throw new ApiError(response.status, errorDetail(text), method, path);
      return text ? JSON.parse(text) : null;
    }
  }

  /** Frames go with the episode's ingest token when the server minted one (auth on). */
  #frameCredential(episode) {
    return episode.ingest_token ?? this.apiKey;
  }

  // --- the seed's calls -------------------------------------------------------------

  /** Register a fighter; declare `obs_spec` so its frames can be scored in the simulator. */
  registerFighter(glbFilename, metadata = { size: 1.0, speed: 1.0, obs_spec: 'arena-obs-v2' }) {
    return this.request('POST', '/api/fighters', { glb_filename: glbFilename, metadata_json: metadata });
  }

  /** Open an episode; the answer (keep it) carries `ingest_token` when auth is on. */
  startEpisode(fighterId, opponentIds = [], episodeNumber = 1) {
    return this.request('POST', '/api/episodes', {
      fighter_id: fighterId, episode_number: episodeNumber, opponent_ids: opponentIds,
      total_reward: 0.0, duration_frames: 0, is_victory: false,
    });
  }

  /** One frame, one POST, answered once it is on disk (the seed's call; ~250/s per client). */
  recordFrame(episode, frameData) {
    return this.request('POST', '/api/fight-frames', frameBody(episode.id, frameData),
      this.#frameCredential(episode));
  }

  /** Close the episode with the seed's stats; this also moves its frames into Parquet. */
  completeEpisode(episode, stats) {
    return this.request('PATCH', `/api/episodes/${episode.id}`, {
      total_reward: stats.totalReward, duration_frames: stats.duration,
      is_victory: stats.isVictory, rank: stats.finalRank,
    }, this.#frameCredential(episode));
  }

  // --- faster frame paths -------------------------------------------------------------

  /**
   * Collects frames and posts them `every` at a time (one fsync per batch; all or none is
   * stored, and a resent batch is deduplicated). A failed batch never stops the game loop:
   * `close()` reports it.
   */
  batchRecorder(episode, { every = 60 } = {}) {
    const pending = [];
    const failures = [];
    let sending = Promise.resolve();      // batches go one after another, in frame order
    const flush = () => {
      if (pending.length > 0) {
        const batch = pending.splice(0, pending.length);
        sending = sending.then(() => this.request('POST', '/api/fight-frames/batch', batch,
          this.#frameCredential(episode)).catch((error) => { failures.push(error); }));
      }
      return sending;
    };
    return {
      /** Queue one frame (the seed's frameData); every `every` frames, post them. */
      record: (frameData) => {
        pending.push(frameBody(episode.id, frameData));
        return pending.length >= every ? flush() : sending;
      },
      flush,
      /** Post what is left; throws the first batch the server refused (after retries). */
      close: async () => {
        await flush();
        if (failures.length > 0) throw failures[0];
      },
    };
  }

  /**
   * One WebSocket for the episode: each `send(frames)` is one message; the server's
   * cumulative acks say how many messages are on disk. `close()` resolves once every
   * message is acknowledged (or rejects naming what was refused), then closes the socket.
   * A 503 (the server's log is saturated) is resent after its `retry_after`.
   */
  async streamRecorder(episode, { closeTimeoutS = 30 } = {}) {
    if (typeof WebSocket === 'undefined') {
      throw new Error('no global WebSocket: use Node 22+, or node --experimental-websocket on Node 20');
    }
    const token = this.#frameCredential(episode);
    const url = this.baseUrl.replace(/^http/, 'ws') + '/api/fight-frames/stream'
      + (token ? `?token=${encodeURIComponent(token)}` : '');
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error(`cannot open ${url.split('?')[0]}`));
    });
    const outstanding = [];           // {index, text, tries} in send order, not yet acknowledged
    const rejected = [];              // error messages for frames the server refused
    const waiters = [];               // close() calls waiting for the last ack
    let sent = 0, stored = 0, resends = 0, lost = false;
    const settle = () => {
      const done = outstanding.length === 0 && resends === 0;
      if (done || lost) waiters.splice(0).forEach((w) => w(done ? undefined : 'socket closed'));
    };
    const transmit = (text, tries) => {
      outstanding.push({ index: sent, text, tries });
      sent += 1;
      ws.send(text);
    };
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.type === 'ack') {
        while (stored < msg.messages) { outstanding.shift(); stored += 1; }
      } else if (msg.type === 'error') {
        const at = outstanding.findIndex((m) => m.index === msg.message);
        const [refused] = at < 0 ? [{ tries: Infinity }] : outstanding.splice(at, 1);
        if (msg.status === 503 && refused.tries < this.retries) {
          resends += 1;
          sleep(retryDelay(msg.retry_after, 1, this.maxRetryDelayS)).then(() => {
            resends -= 1;
            if (!lost) transmit(refused.text, refused.tries + 1);
            else { outstanding.push({ index: -1, ...refused }); settle(); }   // stays in unacked()
          });
        } else rejected.push(msg);    // 422/404/409: resending would fail the same way
      }
      settle();
    };
    ws.onclose = () => { lost = true; settle(); };
    return {
      send: (frames) => transmit(JSON.stringify(frames.map((f) => frameBody(episode.id, f))), 0),
      acknowledged: () => stored,
      unacked: () => outstanding.map((m) => m.text),
      close: async () => {
        let timer;
        const outcome = await new Promise((resolve) => {   // undefined once all are acked
          timer = setTimeout(() => resolve('timeout'), closeTimeoutS * 1000);
          waiters.push(resolve);
          settle();
        });
        clearTimeout(timer);
        ws.close();
        if (outcome !== undefined) {   // resend `unacked()` on a new socket: duplicates are dropped
          throw new Error(`${outstanding.length} messages not acknowledged (${outcome})`);
        }
        if (rejected.length) throw new ApiError(rejected[0].status, rejected, 'WS', '/api/fight-frames/stream');
        return { messages: stored };
      },
    };
  }

  // --- reads and inference ---------------------------------------------------------------

  /** Episodes, victories, win rate, rewards, duration and frames of a fighter. */
  fighterStats(fighterId) {
    return this.request('GET', `/api/fighters/${fighterId}/stats`);
  }

  /** A page of an episode's frames (readable right after their ack). */
  episodeFrames(episodeId, { offset = 0, limit = 1000 } = {}) {
    return this.request('GET', `/api/episodes/${episodeId}/frames?offset=${offset}&limit=${limit}`);
  }

  /** The fighter's best model, or null while none clearly beats random (a 404). */
  async bestModel(fighterId) {
    try {
      return await this.request('GET', `/api/fighters/${fighterId}/best-model`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** One action ([moveX, moveY, attack, block]) from the fighter's best model. */
  act(fighterId, observation, { deterministic = true } = {}) {
    return this.request('POST', `/api/fighters/${fighterId}/act`, { observation, deterministic });
  }

  /** Every AI fighter of a battle frame in one request: [{fighterId, observation}]. */
  actBattle(fighters, { deterministic = true } = {}) {
    return this.request('POST', '/api/act', {
      deterministic,
      fighters: fighters.map((f) => ({ fighter_id: f.fighterId, observation: f.observation })),
    });
  }
}
