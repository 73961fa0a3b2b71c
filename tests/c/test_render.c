/* The rasteriser (csrc/render.h) against brute force: every shape paints exactly the pixels
 * whose centres lie inside it, clipped to the canvas, for random shapes partly or wholly off
 * the canvas; absurd coordinates (huge, infinite, NaN) write nothing out of bounds (the
 * sanitizers and the guard bytes around the canvas would see it). Prints "ok" on success. */
#include "harness.h"

#define W 37
#define H 23
#define GUARD 64

static uint8_t memory[GUARD + W * H * 3 + GUARD];
static OceanCanvas canvas = {memory + GUARD, W, H};
static const OceanColor BLACK = {0, 0, 0}, PAINT = {200, 100, 50};

static int painted(int x, int y) {
    const uint8_t *p = canvas.rgb + ((size_t)y * W + (size_t)x) * 3;
    return p[0] == PAINT.r && p[1] == PAINT.g && p[2] == PAINT.b;
}

static void check_guards(void) {
    for (int i = 0; i < GUARD; i++) {
        CHECK(memory[i] == 0xAB && memory[GUARD + W * H * 3 + i] == 0xAB, "guard byte %d", i);
    }
}

static float uniform(OceanRng *rng, float lo, float hi) {
    return lo + (hi - lo) * ocean_rng_float(rng);
}

static void test_rects(OceanRng *rng) {
    for (int trial = 0; trial < 2000; trial++) {
        float x = uniform(rng, -20, W + 20), y = uniform(rng, -20, H + 20);
        float w = uniform(rng, -5, 40), h = uniform(rng, -5, 30);
        ocean_clear(&canvas, BLACK);
        ocean_rect(&canvas, x, y, w, h, PAINT);
        for (int py = 0; py < H; py++)
            for (int px = 0; px < W; px++) {
                float cx = (float)px + 0.5f, cy = (float)py + 0.5f;
                int inside = cx >= x && cx < x + w && cy >= y && cy < y + h;
                CHECK(painted(px, py) == inside, "rect %g %g %g %g pixel %d %d", x, y, w, h,
                      px, py);
            }
    }
}

static void test_circles(OceanRng *rng) {
    for (int trial = 0; trial < 2000; trial++) {
        float cx = uniform(rng, -10, W + 10), cy = uniform(rng, -10, H + 10);
        float r = uniform(rng, -1, 15);
        ocean_clear(&canvas, BLACK);
        ocean_circle(&canvas, cx, cy, r, PAINT);
        for (int py = 0; py < H; py++)
            for (int px = 0; px < W; px++) {
                float dx = (float)px + 0.5f - cx, dy = (float)py + 0.5f - cy;
                float d2 = dx * dx + dy * dy;
                if (r > 0 && fabsf(d2 - r * r) < 1e-3f * r * r) continue; /* on the rim: either */
                CHECK(painted(px, py) == (r > 0 && d2 < r * r), "circle %g %g %g pixel %d %d",
                      cx, cy, r, px, py);
            }
    }
}

static void test_outline_blend_cells(void) {
    ocean_clear(&canvas, BLACK);
    ocean_rect_outline(&canvas, 2, 3, 10, 8, 2, PAINT);
    for (int py = 0; py < H; py++)
        for (int px = 0; px < W; px++) {
            int outer = px >= 2 && px < 12 && py >= 3 && py < 11;
            int inner = px >= 4 && px < 10 && py >= 5 && py < 9;
            CHECK(painted(px, py) == (outer && !inner), "outline pixel %d %d", px, py);
        }

    OceanColor grey = {100, 100, 100}, white = {255, 255, 255};
    ocean_clear(&canvas, grey);
    ocean_rect_blend(&canvas, 0, 0, 1, 1, white, 0.5f);
    ocean_rect_blend(&canvas, 1, 0, 1, 1, white, 0.0f);
    ocean_rect_blend(&canvas, 2, 0, 1, 1, white, 1.0f);
    ocean_rect_blend(&canvas, 3, 0, 1, 1, white, 7.0f);   /* clamped to 1 */
    CHECK(canvas.rgb[0] == 178, "half blend gave %d, want round((100+255)/2)", canvas.rgb[0]);
    CHECK(canvas.rgb[3] == 100 && canvas.rgb[6] == 255 && canvas.rgb[9] == 255,
          "blend ends: %d %d %d", canvas.rgb[3], canvas.rgb[6], canvas.rgb[9]);
    CHECK(canvas.rgb[12] == 100, "pixel next to the tinted ones changed");

    ocean_clear(&canvas, BLACK);
    ocean_cell(&canvas, 2, 1, 5, 1, PAINT);   /* cell covers x 10..14, y 5..9; inset 1 */
    for (int py = 0; py < H; py++)
        for (int px = 0; px < W; px++) {
            int inside = px >= 11 && px < 14 && py >= 6 && py < 9;
            CHECK(painted(px, py) == inside, "cell pixel %d %d", px, py);
        }
}

static void test_numbers(void) {
    /* every digit is a different glyph, inside its declared box */
    uint8_t glyphs[10][W * H];
    for (int digit = 0; digit < 10; digit++) {
        ocean_clear(&canvas, BLACK);
        ocean_number(&canvas, 1, 1, digit, 2, PAINT);
        CHECK(ocean_number_width(digit, 2) == 6, "one digit at px 2 is 6 wide");
        int count = 0;
        for (int py = 0; py < H; py++)
            for (int px = 0; px < W; px++) {
                glyphs[digit][py * W + px] = (uint8_t)painted(px, py);
                count += painted(px, py);
                if (painted(px, py)) CHECK(px >= 1 && px < 7 && py >= 1 && py < 11,
                                           "digit %d paints %d %d", digit, px, py);
            }
        CHECK(count > 0, "digit %d paints nothing", digit);
        for (int other = 0; other < digit; other++) {
            int same = 1;
            for (int i = 0; i < W * H; i++) same &= glyphs[digit][i] == glyphs[other][i];
            CHECK(!same, "digits %d and %d look the same", digit, other);
        }
    }
    /* "-12" is three glyphs; its last glyph is the "2" drawn alone, shifted two advances */
    CHECK(ocean_number_width(-12, 1) == 11, "width of -12 is %d", ocean_number_width(-12, 1));
    ocean_clear(&canvas, BLACK);
    ocean_number(&canvas, 0, 0, -12, 1, PAINT);
    for (int py = 0; py < 5; py++)
        for (int px = 0; px < 3; px++) {
            CHECK(painted(8 + px, py) == glyphs[2][(2 * py + 1) * W + 2 * px + 1],
                  "last glyph of -12 at %d %d", px, py);
            CHECK(painted(px, py) == (py == 2), "minus sign at %d %d", px, py);
        }
    ocean_number(&canvas, W - 3, H - 3, -9223372036854775807L - 1, 3, PAINT); /* clipped */
}

static void test_absurd_coordinates(void) {
    float bad[] = {1e30f, -1e30f, INFINITY, -INFINITY, NAN, 2147483648.0f};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        for (unsigned j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
            ocean_rect(&canvas, bad[i], 0, bad[j], 5, PAINT);
            ocean_rect(&canvas, 0, bad[i], 5, bad[j], PAINT);
            ocean_rect_blend(&canvas, bad[i], bad[j], bad[j], bad[i], PAINT, 0.5f);
            ocean_circle(&canvas, bad[i], 3, bad[j], PAINT);
            ocean_circle(&canvas, 3, bad[i], bad[j], PAINT);
            ocean_rect_outline(&canvas, bad[i], bad[j], 4, 4, bad[j], PAINT);
            ocean_number(&canvas, bad[i], bad[j], 42, 2, PAINT);
        }
}

static void run_all(void) {
    for (int i = 0; i < GUARD; i++) memory[i] = memory[GUARD + W * H * 3 + i] = 0xAB;
    OceanRng rng;
    ocean_rng_seed(&rng, 7, 0);
    test_rects(&rng);
    test_circles(&rng);
    test_outline_blend_cells();
    test_numbers();
    test_absurd_coordinates();
    check_guards();
    if (harness_failures == 0) printf("ok\n");
}

int main(int argc, char **argv) {
    static const HarnessMode modes[] = {{"all", "", run_all}};
    return harness_main(argc, argv, modes, (int)OCEAN_COUNT(modes));
}
