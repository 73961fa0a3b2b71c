/* games.h: the registry of games, the one list the bindings and the C bench read.
 * Adding a game: its folder ocean/<game>/, its #include and its entry in the table. */
#ifndef OCEAN_GAMES_H
#define OCEAN_GAMES_H

#include "../ocean/maze/maze.h"
#include "../ocean/pong/pong.h"

static const OceanGame *const OCEAN_GAMES[] = {
    &pong_game,
    &maze_game,
};
static const int OCEAN_NUM_GAMES = (int)OCEAN_COUNT(OCEAN_GAMES);

#endif /* OCEAN_GAMES_H */
