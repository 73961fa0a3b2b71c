"""Frames without a display."""


def test_rasteriser_paints_exactly_the_pixels_inside_each_shape(c_program):
    assert c_program("tests/c/test_render.c")().strip() == "ok"
