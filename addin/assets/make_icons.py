"""Draws the add-in's icons: an envelope with a chain-link badge, brand blue on transparent.

Run from anywhere: `.venv/bin/python addin/assets/make_icons.py`; it rewrites icon-<size>.png next
to itself. The artwork is drawn once on a large canvas in a 128-unit grid and scaled down, so every
size is the same picture; strokes sit on multiples of 8 units, i.e. whole pixels at 16 px.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BRAND_BLUE = (0x0F, 0x6C, 0xBD, 255)
WHITE = (255, 255, 255, 255)
SIZES = (16, 32, 64, 80, 128)
GRID = 128  # design units
SCALE = 16  # supersampling: the master is drawn at GRID * SCALE pixels


def _u(value: float) -> int:
    return round(value * SCALE)


def _envelope(draw: ImageDraw.ImageDraw) -> None:
    stroke = _u(10)
    box = (_u(6), _u(14), _u(114), _u(90))
    draw.rounded_rectangle(box, radius=_u(12), outline=BRAND_BLUE, width=stroke)
    # The flap: two strokes from the top corners meeting below the middle.
    left, top, right = _u(14), _u(22), _u(106)
    apex = (_u(60), _u(58))
    draw.line([(left, top), apex, (right, top)], fill=BRAND_BLUE, width=stroke, joint="curve")


def _link_glyph(size_px: int) -> Image.Image:
    """Two interlocking rounded links, drawn level and then turned 45 degrees."""
    layer = Image.new("RGBA", (size_px, size_px), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    c = size_px / 2
    w, h, stroke = size_px * 0.40, size_px * 0.22, max(1, round(size_px * 0.075))
    overlap = w * 0.30
    for dx in (-(w - overlap) / 2, (w - overlap) / 2):
        x0, y0 = c + dx - w / 2, c - h / 2
        draw.rounded_rectangle((x0, y0, x0 + w, y0 + h), radius=h / 2, outline=WHITE, width=stroke)
    return layer.rotate(45, resample=Image.Resampling.BICUBIC, center=(c, c))


def master() -> Image.Image:
    side = GRID * SCALE
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    _envelope(draw)
    # The badge sits on the envelope's corner; a transparent ring keeps the two shapes apart.
    cx, cy, radius, gap = 94, 86, 32, 6
    ring = radius + gap
    draw.ellipse((_u(cx - ring), _u(cy - ring), _u(cx + ring), _u(cy + ring)), fill=(0, 0, 0, 0))
    draw.ellipse((_u(cx - radius), _u(cy - radius), _u(cx + radius), _u(cy + radius)), fill=BRAND_BLUE)
    glyph = _link_glyph(_u(2 * radius))
    image.alpha_composite(glyph, (_u(cx - radius), _u(cy - radius)))
    return image


def write_icons(folder: Path) -> list[Path]:
    big = master()
    written = []
    for size in SIZES:
        path = folder / f"icon-{size}.png"
        big.resize((size, size), Image.Resampling.LANCZOS).save(path, optimize=True)
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_icons(Path(__file__).resolve().parent):
        print(written_path)
