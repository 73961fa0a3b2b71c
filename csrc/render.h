/* render.h: the tiny software rasteriser every game draws its frame with.
 *
 * A canvas is `height` rows of `width` RGB pixels, 3 bytes each, top row first: exactly a
 * C-contiguous numpy (height, width, 3) uint8 array. Pixel (x, y) is the unit square
 * [x, x+1) x [y, y+1); a shape paints the pixels whose centres (x + 0.5, y + 0.5) lie inside
 * it, so a shape's position is exact to half a pixel and tests can compute which pixels it
 * covers. Every call clips to the canvas: drawing partly or wholly outside it is fine.
 *
 *   ocean_clear(c, color)                              the whole canvas
 *   ocean_rect(c, x, y, w, h, color)                   filled [x, x+w) x [y, y+h)
 *   ocean_rect_outline(c, x, y, w, h, thickness, color)  a frame of that thickness, inside
 *   ocean_rect_blend(c, x, y, w, h, color, alpha)      tint: mix color in at alpha (0..1)
 *   ocean_circle(c, cx, cy, r, color)                  filled disc
 *   ocean_cell(c, col, row, cell, inset, color)        grid cell (col, row) of cell x cell
 *                                                      pixels, shrunk by inset on each side
 *   ocean_number(c, x, y, value, px, color)            an integer in a 3x5 digit font, each
 *                                                      font pixel px x px; top-left at (x, y)
 *   ocean_number_width(value, px)                      its width in pixels, for centring
 *
 * No allocation, no I/O, no state: a game's render function draws into a canvas its caller
 * owns. Coordinates are floats (a game's own units times its scale); no raylib here.
 */
#ifndef OCEAN_RENDER_H
#define OCEAN_RENDER_H

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct { uint8_t r, g, b; } OceanColor;
typedef struct { uint8_t *rgb; int width, height; } OceanCanvas;

/* The first pixel index whose centre is at or right of x, clamped to [0, limit]: the float
 * is clamped before the conversion, so any coordinate (huge, negative, inf) is safe. NaN
 * clamps to 0. */
static inline int ocean_pixel_edge(float x, int limit) {
    float edge = ceilf(x - 0.5f);
    if (!(edge > 0)) return 0;
    if (edge > (float)limit) return limit;
    return (int)edge;
}

static inline void ocean_span(OceanCanvas *c, int y, int x0, int x1, OceanColor color) {
    uint8_t *p = c->rgb + ((size_t)y * (size_t)c->width + (size_t)x0) * 3;
    for (int x = x0; x < x1; x++, p += 3) {
        p[0] = color.r;
        p[1] = color.g;
        p[2] = color.b;
    }
}

static inline void ocean_clear(OceanCanvas *c, OceanColor color) {
    if (c->width <= 0 || c->height <= 0) return;
    ocean_span(c, 0, 0, c->width, color);
    size_t row = (size_t)c->width * 3;
    for (int y = 1; y < c->height; y++) memcpy(c->rgb + (size_t)y * row, c->rgb, row);
}

static inline void ocean_rect(OceanCanvas *c, float x, float y, float w, float h,
                              OceanColor color) {
    int x0 = ocean_pixel_edge(x, c->width), x1 = ocean_pixel_edge(x + w, c->width);
    int y0 = ocean_pixel_edge(y, c->height), y1 = ocean_pixel_edge(y + h, c->height);
    for (int row = y0; row < y1; row++) ocean_span(c, row, x0, x1, color);
}

static inline void ocean_rect_outline(OceanCanvas *c, float x, float y, float w, float h,
                                      float thickness, OceanColor color) {
    if (2 * thickness >= w || 2 * thickness >= h) {
        ocean_rect(c, x, y, w, h, color);
        return;
    }
    ocean_rect(c, x, y, w, thickness, color);
    ocean_rect(c, x, y + h - thickness, w, thickness, color);
    ocean_rect(c, x, y + thickness, thickness, h - 2 * thickness, color);
    ocean_rect(c, x + w - thickness, y + thickness, thickness, h - 2 * thickness, color);
}

static inline void ocean_rect_blend(OceanCanvas *c, float x, float y, float w, float h,
                                    OceanColor color, float alpha) {
    int x0 = ocean_pixel_edge(x, c->width), x1 = ocean_pixel_edge(x + w, c->width);
    int y0 = ocean_pixel_edge(y, c->height), y1 = ocean_pixel_edge(y + h, c->height);
    float a = alpha < 0 ? 0 : (alpha > 1 ? 1 : alpha), keep = 1 - a;
    float add_r = a * color.r, add_g = a * color.g, add_b = a * color.b;
    for (int row = y0; row < y1; row++) {
        uint8_t *p = c->rgb + ((size_t)row * (size_t)c->width + (size_t)x0) * 3;
        for (int col = x0; col < x1; col++, p += 3) {
            p[0] = (uint8_t)(keep * p[0] + add_r + 0.5f);
            p[1] = (uint8_t)(keep * p[1] + add_g + 0.5f);
            p[2] = (uint8_t)(keep * p[2] + add_b + 0.5f);
        }
    }
}

static inline void ocean_circle(OceanCanvas *c, float cx, float cy, float r, OceanColor color) {
    if (!(r > 0)) return;
    int y0 = ocean_pixel_edge(cy - r, c->height), y1 = ocean_pixel_edge(cy + r, c->height);
    for (int row = y0; row < y1; row++) {
        float dy = (float)row + 0.5f - cy;
        float half = r * r - dy * dy;
        if (half < 0) continue;
        half = sqrtf(half);
        /* pixels whose centre is within half of cx: the same half-pixel rule as rects */
        ocean_span(c, row, ocean_pixel_edge(cx - half, c->width),
                   ocean_pixel_edge(cx + half, c->width), color);
    }
}

static inline void ocean_cell(OceanCanvas *c, int col, int row, int cell, int inset,
                              OceanColor color) {
    ocean_rect(c, (float)(col * cell + inset), (float)(row * cell + inset),
               (float)(cell - 2 * inset), (float)(cell - 2 * inset), color);
}

/* 3x5 digits, one row of 3 bits per byte, high bit on the left; index 10 is the minus sign. */
static const uint8_t OCEAN_DIGIT_ROWS[11][5] = {
    {7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1},
    {7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1}, {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7},
    {0, 0, 7, 0, 0},
};
#define OCEAN_GLYPH_ADVANCE 4   /* 3 font pixels of glyph, 1 of space */

static inline int ocean_number_glyphs(long value, int glyphs[24]) {
    int n = 0, negative = value < 0;
    unsigned long magnitude = negative ? 0UL - (unsigned long)value : (unsigned long)value;
    do {
        glyphs[n++] = (int)(magnitude % 10);
        magnitude /= 10;
    } while (magnitude > 0);
    if (negative) glyphs[n++] = 10;
    return n;   /* in reverse order: least significant digit first */
}

static inline int ocean_number_width(long value, int px) {
    int glyphs[24];
    int n = ocean_number_glyphs(value, glyphs);
    return (n * OCEAN_GLYPH_ADVANCE - 1) * px;
}

static inline void ocean_number(OceanCanvas *c, float x, float y, long value, int px,
                                OceanColor color) {
    int glyphs[24];
    int n = ocean_number_glyphs(value, glyphs);
    for (int i = 0; i < n; i++) {
        const uint8_t *rows = OCEAN_DIGIT_ROWS[glyphs[n - 1 - i]];
        float left = x + (float)(i * OCEAN_GLYPH_ADVANCE * px);
        for (int r = 0; r < 5; r++)
            for (int bit = 0; bit < 3; bit++)
                if (rows[r] & (4 >> bit))
                    ocean_rect(c, left + (float)(bit * px), y + (float)(r * px), (float)px,
                               (float)px, color);
    }
}

#endif /* OCEAN_RENDER_H */
