/* games.h: the registry of games, the one list the bindings and the C bench read.
 * Adding a game (docs/adding-a-game.md): its folder ocean/<game>/, its #include and its
 * entry in the table. */
#ifndef OCEAN_GAMES_H
#define OCEAN_GAMES_H

#include "../ocean/pong/pong.h"
#include "../ocean/breakout/breakout.h"
#include "../ocean/snake/snake.h"
#include "../ocean/maze/maze.h"

static const OceanGame *const OCEAN_GAMES[] = {
    &pong_game,
    &breakout_game,
    &snake_game,
    &maze_game,
};
static const int OCEAN_NUM_GAMES = (int)OCEAN_COUNT(OCEAN_GAMES);

#endif /* OCEAN_GAMES_H */
