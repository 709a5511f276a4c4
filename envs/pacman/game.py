"""The one Pac-Man simulation; the single- and multi-agent envs are thin views over it.

Each step Pac-Man moves, eats, and meets any ghost on its new cell; then the ghosts
move (scripted, or by the actions of ghost agents) and meet Pac-Man again. Meeting a
ghost on the same cell covers swaps too: a ghost that Pac-Man walked through was on
his new cell before the ghosts moved.

Scripted ghosts follow the arcade rules: at each step they take the open neighbouring
cell closest in a straight line to their target, never reversing except when the phase
changes or a power pellet is eaten. They alternate ``scatter`` (each heads for its home
corner) and ``chase`` phases, and when frightened they wander at half speed and can be
eaten (an eaten ghost returns to its start cell). Chase targets cycle through three
personalities: ghost 0, 3, 6 chase Pac-Man's cell; 1, 4, 7 ambush four cells ahead of
him; 2, 5, 8 chase only while more than four cells away and otherwise retreat to their
corner. Straight-line targeting (as in the arcade) needs no path search on the hot
path, which keeps a step within a few times a CartPole step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from arenalab.envs.pacman.config import PacManConfig
from arenalab.envs.pacman.maze import REVERSE, UNREACHABLE, Maze
from arenalab.envs.pacman.observation import ACTIONS, PacManObsLayout
from arenalab.envs.pacman.rewards import PACMAN_REWARDS

FRIGHTENED_STEPS = 20
SCATTER_STEPS = 7
CHASE_STEPS = 20
AMBUSH_LOOKAHEAD = 4
SHY_RADIUS = 4
PELLET, POWER = 1, 2


class PacManGame:
    """Maze, pellets, Pac-Man, ghosts and lives; no Gymnasium or RLlib API here.

    After each :meth:`step`, ``caught_by`` (ghost index or -1), ``eaten`` (ghost indices)
    and ``cleared`` tell the views what happened, so they can hand out their own rewards.
    """

    def __init__(self, config: PacManConfig) -> None:
        self.config = config
        self.layout = layout = PacManObsLayout(config.grid_size)
        self.num_ghosts = config.num_ghosts
        self.cell_rc = [divmod(cell, config.grid_size) for cell in range(layout.cells)]
        self._pellet_at = layout.plane("pellets")
        self._power_at = layout.plane("power_pellets")
        self._pacman_at = layout.plane("pacman")
        self._ghost_at = layout.plane("ghosts")
        self._frightened_at = layout.plane("frightened_ghosts")
        self._self_at = layout.plane("self")
        self.eaten: list[int] = []
        self.caught_by = -1
        self.cleared = False

    # ----------------------------------------------------------------- episode set-up
    def reset(self, rng: np.random.Generator) -> None:
        """Generate a maze from ``rng`` and place Pac-Man, ghosts and pellets in it."""
        cfg, layout = self.config, self.layout
        self.rng = rng
        maze = self.maze = Maze.generate(cfg.grid_size, rng)
        cells = [maze.open_cells[i] for i in rng.permutation(len(maze.open_cells)).tolist()]
        self.pacman_start = cells[0]
        from_start = maze.distances(self.pacman_start)
        farthest_first = sorted(cells, key=lambda c: -from_start[c])
        self.ghost_starts = farthest_first[: cfg.num_ghosts]
        corners = ((1, 1), (1, cfg.grid_size - 2), (cfg.grid_size - 2, 1))
        corners += ((cfg.grid_size - 2, cfg.grid_size - 2),)
        self.homes = [maze.nearest_open(*corners[g % 4]) for g in range(cfg.num_ghosts)]

        self.pellets = bytearray(layout.cells)
        dotted = rng.random(len(cells)) < cfg.pellet_density
        for cell, has_pellet in zip(cells[1:], dotted[1:], strict=True):
            self.pellets[cell] = PELLET if has_pellet else 0
        free = [c for c in cells[1:] if c not in self.ghost_starts]
        for cell in free[: cfg.power_pellets]:
            self.pellets[cell] = POWER
        if not any(self.pellets):
            self.pellets[farthest_first[0]] = PELLET
        self.remaining = sum(1 for p in self.pellets if p)

        self._static = np.zeros(layout.size, dtype=np.float32)
        self._static[: layout.cells] = maze.walls.reshape(-1)
        pellets = np.frombuffer(self.pellets, dtype=np.uint8)
        self._static[self._pellet_at : self._power_at] = pellets == PELLET
        self._static[self._power_at : self._pacman_at] = pellets == POWER
        self.lives = cfg.lives
        self.steps = 0
        self.score = 0.0
        self._respawn()

    def _respawn(self) -> None:
        """Put everyone back on their start cells, as after a lost life."""
        self.pacman = self.pacman_start
        self.pacman_dir = 0
        self.ghosts = list(self.ghost_starts)
        self.ghost_dirs = [0] * self.num_ghosts
        self.frightened = [False] * self.num_ghosts
        self.frightened_left = 0
        self.mode_clock = 0

    def fork(self, rng: np.random.Generator) -> PacManGame:
        """A copy to play ahead on (the maze shared, everything a step changes copied).

        ``rng`` drives the fork's frightened ghosts, so playing the fork never draws from
        this game's generator.
        """
        other = object.__new__(PacManGame)
        other.__dict__.update(self.__dict__)
        other.rng = rng
        other.pellets = bytearray(self.pellets)
        other._static = self._static.copy()
        other.ghosts = list(self.ghosts)
        other.ghost_dirs = list(self.ghost_dirs)
        other.frightened = list(self.frightened)
        other.eaten = []
        return other

    def key(self) -> tuple:
        """What decides the next steps' danger: positions, directions, phase and fright."""
        return (
            self.pacman,
            self.pacman_dir,
            *self.ghosts,
            *self.ghost_dirs,
            *self.frightened,
            self.frightened_left,
            self.mode_clock,
            self.steps % 2,
            self.remaining,
        )

    # ------------------------------------------------------------------------- step
    @property
    def terminated(self) -> bool:
        """True once every pellet is eaten or every life is lost."""
        return self.lives == 0 or self.remaining == 0

    @property
    def chasing(self) -> bool:
        """True in a chase phase, False in a scatter phase."""
        return self.mode_clock % (SCATTER_STEPS + CHASE_STEPS) >= SCATTER_STEPS

    def step(self, pacman_action: int, ghost_actions: list[int] | None = None) -> float:
        """Advance one step and return Pac-Man's reward; ``ghost_actions=None`` scripts them."""
        rewards = PACMAN_REWARDS
        self.steps += 1
        self.caught_by = -1
        self.eaten.clear()
        self.cleared = False
        reward = rewards.step

        cell = self.maze.moves[pacman_action][self.pacman]
        if cell != self.pacman:
            self.pacman_dir = pacman_action
            self.pacman = cell
        kind = self.pellets[cell]
        if kind:
            reward += self._eat(cell, kind)
        if self.num_ghosts:
            reward += self._meet_ghosts()
            if self.caught_by < 0:
                self._move_ghosts(ghost_actions)
                reward += self._meet_ghosts()
        if self.remaining == 0:
            self.cleared = True
            reward += rewards.clear
        self.score += reward
        return reward

    def _eat(self, cell: int, kind: int) -> float:
        self.pellets[cell] = 0
        self.remaining -= 1
        if kind == PELLET:
            self._static[self._pellet_at + cell] = 0.0
            return PACMAN_REWARDS.pellet
        self._static[self._power_at + cell] = 0.0
        self.frightened_left = FRIGHTENED_STEPS
        self.frightened = [True] * self.num_ghosts
        self.ghost_dirs = [REVERSE[d] for d in self.ghost_dirs]
        return PACMAN_REWARDS.power_pellet

    def _meet_ghosts(self) -> float:
        reward = 0.0
        for g, cell in enumerate(self.ghosts):
            if cell != self.pacman:
                continue
            if self.frightened[g]:
                self.eaten.append(g)
                self.ghosts[g] = self.ghost_starts[g]
                self.frightened[g] = False
                self.ghost_dirs[g] = 0
                reward += PACMAN_REWARDS.ghost_eaten
            else:
                self.caught_by = g
                self.lives -= 1
                if self.lives:
                    self._respawn()
                return reward + PACMAN_REWARDS.death
        return reward

    def _move_ghosts(self, actions: list[int] | None) -> None:
        if self.frightened_left:
            self.frightened_left -= 1
            if not self.frightened_left:
                self.frightened = [False] * self.num_ghosts
        else:
            self.mode_clock += 1
            if self.mode_clock % (SCATTER_STEPS + CHASE_STEPS) in (0, SCATTER_STEPS):
                self.ghost_dirs = [REVERSE[d] for d in self.ghost_dirs]
        moves, exits = self.maze.moves, self.maze.exits
        slow = self.steps % 2 == 1  # frightened ghosts move every other step
        for g, cell in enumerate(self.ghosts):
            if self.frightened[g] and slow:
                continue
            if actions is not None:
                action = actions[g]
                nxt = moves[action][cell]
            else:
                options = exits[cell]
                if len(options) > 1:
                    back = REVERSE[self.ghost_dirs[g]]
                    options = [o for o in options if o[0] != back]
                if self.frightened[g]:
                    action, nxt = options[int(self.rng.integers(len(options)))]
                else:
                    rc = self.cell_rc
                    row, col = rc[self._target(g)]
                    action, nxt = min(
                        options, key=lambda o: (rc[o[1]][0] - row) ** 2 + (rc[o[1]][1] - col) ** 2
                    )
            if nxt != cell:
                self.ghosts[g] = nxt
                self.ghost_dirs[g] = action

    def _target(self, g: int) -> int:
        """The cell scripted ghost ``g`` heads for in the current phase."""
        if not self.chasing:
            return self.homes[g]
        personality = g % 3
        if personality == 0:
            return self.pacman
        if personality == 1:
            cell, moves = self.pacman, self.maze.moves[self.pacman_dir]
            for _ in range(AMBUSH_LOOKAHEAD):
                cell = moves[cell]
            return cell
        (row, col), (pac_row, pac_col) = self.cell_rc[self.ghosts[g]], self.cell_rc[self.pacman]
        far = (row - pac_row) ** 2 + (col - pac_col) ** 2 > SHY_RADIUS**2
        return self.pacman if far else self.homes[g]

    # ----------------------------------------------------------------- observations
    def observation(self, agent: int) -> np.ndarray:
        """Flat observation for agent 0 (Pac-Man) or ghost ``agent - 1``; a fresh array."""
        cfg = self.config
        out = self._static.copy()
        out[self._pacman_at + self.pacman] = 1.0
        ghosts, frightened = self._ghost_at, self._frightened_at
        for g, cell in enumerate(self.ghosts):
            out[(frightened if self.frightened[g] else ghosts) + cell] += 1.0
        me = self.pacman if agent == 0 else self.ghosts[agent - 1]
        out[self._self_at + me] = 1.0
        base = self.layout.scalars
        out[base] = self.lives / cfg.lives
        out[base + 1] = self.frightened_left / FRIGHTENED_STEPS
        out[base + 2] = min(1.0, self.steps / cfg.max_steps)
        out[base + 3] = float(agent > 0)
        return out

    # ------------------------------------------------------------------- inspection
    def state(self) -> dict[str, Any]:
        """JSON-serialisable snapshot for client-side renderers (the lab's game_state)."""
        size = self.config.grid_size

        def rc(cell: int) -> list[int]:
            return [cell // size, cell % size]

        def mode(g: int) -> str:
            if self.frightened[g]:
                return "frightened"
            return "chase" if self.chasing else "scatter"

        return {
            "game": "pacman",
            "grid_size": size,
            "step": self.steps,
            "score": round(self.score, 4),
            "lives": self.lives,
            "max_lives": self.config.lives,
            "walls": ["".join("#" if w else "." for w in row) for row in self.maze.walls],
            "pellets": [rc(c) for c, p in enumerate(self.pellets) if p == PELLET],
            "power_pellets": [rc(c) for c, p in enumerate(self.pellets) if p == POWER],
            "pellets_left": self.remaining,
            "pacman": {"position": rc(self.pacman), "direction": ACTIONS[self.pacman_dir]},
            "ghosts": [
                {"id": f"ghost_{g}", "position": rc(cell), "mode": mode(g)}
                for g, cell in enumerate(self.ghosts)
            ],
            "frightened_steps_left": self.frightened_left,
            "terminated": self.terminated,
        }

    def path_to_nearest_pellet(self) -> list[int]:
        """Cells on a shortest path from Pac-Man to the closest pellet (for highlight_path)."""
        dist = self.maze.distances(self.pacman)
        targets = [c for c, p in enumerate(self.pellets) if p and dist[c] < UNREACHABLE]
        if not targets:
            return []
        cell = min(targets, key=lambda c: dist[c])
        path = [cell]
        while dist[cell] > 1:
            cell = min((nxt for _, nxt in self.maze.exits[cell]), key=lambda c: dist[c])
            path.append(cell)
        return path[::-1]
