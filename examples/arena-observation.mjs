// The arena's observation vector from a game frame: docs/envs.md's published function,
// verbatim (a test checks it), so the game feeds a policy what it was trained on.
function arenaObservation(frame, arenaSize, size = 1.0, speed = 1.0, version = "arena-obs-v2") {
  const v2 = version === "arena-obs-v2";
  const half = arenaSize / 2, VELOCITY = 10.0, HEALTH = 100.0, SLOTS = 7;
  const SLOT = v2 ? 11 : 6, BODY = 0.5, REACH = 1.5, GAP = 2.0;
  const [px, py] = frame.fighter_position;
  const [vx, vy] = frame.fighter_velocity;
  const obs = [px / half, py / half, vx / VELOCITY, vy / VELOCITY,
               frame.fighter_health / HEALTH, size, speed];
  if (v2) obs.push(frame.fighter_cooldown ?? 0, frame.fighter_blocking ? 1 : 0);
  const enemies = (frame.enemies_state || [])
    .filter((e) => e.health > 0)
    .map((e) => ({ e, d: (e.pos[0] - px) ** 2 + (e.pos[1] - py) ** 2 }))
    .sort((a, b) => a.d - b.d)            // stable: ties keep enemies_state order
    .slice(0, SLOTS);
  for (let k = 0; k < SLOTS; k++) {
    if (k >= enemies.length) { obs.push(...new Array(SLOT).fill(0)); continue; }
    const { e } = enemies[k];
    const [evx, evy] = e.vel || [0, 0];
    obs.push((e.pos[0] - px) / half, (e.pos[1] - py) / half,
             evx / VELOCITY, evy / VELOCITY, e.health / HEALTH, 1);
    if (!v2) continue;
    const esize = e.size ?? 1, clip = (x) => Math.min(Math.max(x, -1), 1);
    const dist = Math.sqrt((e.pos[0] - px) ** 2 + (e.pos[1] - py) ** 2);
    obs.push(esize, e.cooldown ?? 0, e.blocking ? 1 : 0,
             clip((dist - BODY * esize - REACH * size) / GAP),
             clip((dist - BODY * size - REACH * esize) / GAP));
  }
  return obs;                              // v2: 86 numbers, v1: 49
}

export { arenaObservation };
