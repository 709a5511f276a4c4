#!/usr/bin/env node
// A short fake battle through arenalab's API, as the arena game plays one: register (or
// reuse) a fighter, open an episode, ask the fighter's best model for every action (random
// moves while it has none), record every frame, close the episode, print the stats.
//
//   node examples/arena-battle.mjs http://127.0.0.1:8001 [--fighter ID] [--frames 120]
//                                  [--stream] [--api-key KEY] [--seed 1]
//
// --stream sends frames over the WebSocket (Node 20: add --experimental-websocket);
// the default posts a batch per second of frames.
import { parseArgs } from 'node:util';
import { ArenaClient } from './arena-client.mjs';
import { arenaObservation } from './arena-observation.mjs';

const ARENA_SIZE = 20, DT = 0.05, SPEED = 5, REACH = 2, DAMAGE = 10, COOLDOWN_S = 0.5;
const ENEMY_ID = 2;   // the scripted opponent's id in enemies_state

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    fighter: { type: 'string' }, frames: { type: 'string', default: '120' },
    stream: { type: 'boolean', default: false }, 'api-key': { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});
const url = positionals[0] ?? 'http://127.0.0.1:8001';

/** A seeded generator, so a battle without a model replays the same. */
function random(seed) {
  let state = seed >>> 0;
  return () => { state = (state * 1664525 + 1013904223) >>> 0; return state / 2 ** 32; };
}

/** A fighter of the fake game: where it is, how it moves, and its attack's cooldown. */
const body = (pos) => ({ pos, vel: [0, 0], health: 100, cooldown: 0, blocking: false });

/** Move by `action` ([moveX, moveY, attack, block]) and swing at `target` when in reach. */
function stepFighter(self, target, action) {
  const [mx, my, attack, block] = action;
  self.vel = [mx * SPEED, my * SPEED];
  const half = ARENA_SIZE / 2, clamp = (x) => Math.min(Math.max(x, -half), half);
  self.pos = [clamp(self.pos[0] + self.vel[0] * DT), clamp(self.pos[1] + self.vel[1] * DT)];
  self.blocking = block > 0;
  self.cooldown = Math.max(0, self.cooldown - DT);
  const distance = Math.hypot(target.pos[0] - self.pos[0], target.pos[1] - self.pos[1]);
  if (attack > 0 && self.cooldown === 0 && distance <= REACH) {
    self.cooldown = COOLDOWN_S;
    const damage = target.blocking ? DAMAGE / 4 : DAMAGE;
    target.health = Math.max(0, target.health - damage);
    return damage;
  }
  return 0;
}

/** The opponent walks up to the fighter and swings: enough to give the battle a result. */
function enemyAction(enemy, fighter) {
  const dx = fighter.pos[0] - enemy.pos[0], dy = fighter.pos[1] - enemy.pos[1];
  const norm = Math.hypot(dx, dy) || 1;
  return [dx / norm, dy / norm, norm <= REACH ? 1 : -1, -1];
}

async function main() {
  const arena = new ArenaClient(url, { apiKey: values['api-key'] });
  const fighter = values.fighter
    ? await arena.request('GET', `/api/fighters/${values.fighter}`)
    : await arena.registerFighter('bacon-cyborg.glb');
  const model = await arena.bestModel(fighter.id);
  const spec = model?.obs_spec ?? fighter.metadata_json.obs_spec ?? 'arena-obs-v2';
  console.log(`fighter ${fighter.id}: ${model ? `best model ${model.id} (${model.algorithm})`
    : 'no best model yet, random moves'}`);
  const episode = await arena.startEpisode(fighter.id, [ENEMY_ID]);
  const recorder = values.stream ? await arena.streamRecorder(episode)
    : arena.batchRecorder(episode, { every: 20 });
  const { size = 1, speed = 1 } = fighter.metadata_json;
  const me = body([-3, 0]), enemy = body([3, 0]);
  const rand = random(Number(values.seed));
  let total = 0, frameNumber = 0;
  for (; frameNumber < Number(values.frames) && me.health > 0 && enemy.health > 0; frameNumber += 1) {
    const frame = {
      frame_number: frameNumber, fighter_position: me.pos, fighter_health: me.health,
      fighter_velocity: me.vel, fighter_cooldown: me.cooldown, fighter_blocking: me.blocking,
      enemies_state: [{ id: ENEMY_ID, pos: enemy.pos, health: enemy.health, vel: enemy.vel,
        cooldown: enemy.cooldown, blocking: enemy.blocking }],
    };
    const observation = arenaObservation(frame, ARENA_SIZE, size, speed, spec);
    const action = model ? (await arena.act(fighter.id, observation)).action
      : [0, 0, 0, 0].map(() => rand() * 2 - 1);
    const dealt = stepFighter(me, enemy, action);
    const taken = stepFighter(enemy, me, enemyAction(enemy, me));
    const reward = (dealt - taken) / 100;
    total += reward;
    const row = { ...frame, action_vector: action, reward_delta: reward,
      cumulative_reward: total, observation_vector: observation };
    if (values.stream) recorder.send([row]);
    else recorder.record(row);
  }
  await recorder.close();
  const won = enemy.health <= 0 || (me.health > 0 && me.health > enemy.health);
  await arena.completeEpisode(episode, { totalReward: total, duration: frameNumber,
    isVictory: won, finalRank: won ? 1 : 2 });
  const stats = await arena.fighterStats(fighter.id);
  console.log(`episode ${episode.id}: ${frameNumber} frames, ${won ? 'won' : 'lost'}, `
    + `reward ${total.toFixed(2)}, health ${me.health} vs ${enemy.health}`);
  console.log(`stats: ${stats.episodes} episodes, ${stats.victories} victories, `
    + `win rate ${stats.win_rate}, ${stats.frames} frames, best reward ${stats.best_reward}`);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
