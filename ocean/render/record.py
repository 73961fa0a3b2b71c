"""Frames to files with Pillow: an animated GIF, or a PNG of the last frame. No display needed."""
import pathlib

FORMATS = (".gif", ".png")
GIF_MIN_DELAY_CS = 2  # GIF delays are centiseconds; viewers play delays under 2 as 10


def check_output(path):
    """The path as a Path, if it is a file we can write (before anything runs)."""
    path = pathlib.Path(path)
    if path.is_dir():
        raise ValueError(f"output {path} is a directory; give a file in it, such as "
                         f"{path / 'frames.gif'}")
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"output must end in .gif (animation) or .png (last frame), got {path}")
    if not path.parent.is_dir():
        raise ValueError(f"output folder {path.parent} does not exist")
    return path


class Recorder:
    """Collects frames ((H, W, 3) uint8 arrays; copied) and writes them on save()."""

    def __init__(self, path, fps):
        from PIL import Image  # the [render] extra: ocean.render checks it is there
        self._image = Image
        self.path = check_output(path)
        self.fps = fps
        self.animated = self.path.suffix.lower() == ".gif"
        self.frames = []
        self._palette, self._palette_colors = None, set()

    def add(self, frame):
        image = self._image.fromarray(frame)  # copies
        if self.animated:
            self.frames.append(self._to_palette(image))
        else:
            self.frames[:] = [image]

    def _to_palette(self, image):
        """A palette image (a third of the memory, what GIF stores), exact while a frame has at
        most 256 colours, as our games' frames do. Mapping onto a known palette is a few times
        faster than building one, so a palette is rebuilt only when new colours appear."""
        Image = self._image
        counts = image.getcolors(256)
        if counts is None:  # too many colours for one GIF palette: approximate
            return image.quantize(colors=256, method=Image.Quantize.FASTOCTREE)
        colors = {color for _, color in counts}
        if not colors <= self._palette_colors:
            ordered = sorted(colors)
            self._palette = Image.new("P", (1, 1))
            self._palette.putpalette([channel for color in ordered for channel in color])
            self._palette_colors = colors
        return image.quantize(palette=self._palette, dither=Image.Dither.NONE)

    def gif_delay_ms(self):
        """The frame delay GIF can store nearest 1/fps: whole centiseconds, at least 2 (so at
        most 50 FPS)."""
        return 10 * max(GIF_MIN_DELAY_CS, round(100 / self.fps))

    def save(self):
        if not self.frames:
            raise ValueError("no frames to save")
        if self.animated:
            self.frames[0].save(self.path, save_all=True, append_images=self.frames[1:],
                                duration=self.gif_delay_ms(), loop=0)
        else:
            self.frames[-1].save(self.path)
        return self.path
