"""Writes the PIL-made PNG fixtures used by the tests (Debian python3 with PIL 9.4):

    /usr/bin/python3 reference/png_fixtures.py

- src/node/__fixtures__/labels-{palette8,palette4,grey8}.png: label maps whose stored values
  follow `label(y, x) = 255 if (x + y) % 13 == 0 else (7x + 3y) % 21` (mod 16, no 255, for the
  4-bit palette). PIL saves P-mode images as palette PNGs, like PASCAL VOC's SegmentationClass.
- src/masks/__fixtures__/pil-strokes.png: MAT's stroke drawing (`ImageDraw.line(width=w)` plus
  an ellipse of box v ± w//2 at every vertex) for two fixed polylines on a 96×96 canvas,
  values 0/1, for comparing our rasteriser with PIL's.
"""
import os

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
NODE = os.path.join(HERE, "..", "src", "node", "__fixtures__")
MASKS = os.path.join(HERE, "..", "src", "masks", "__fixtures__")
W, H = 37, 23


def label(x, y, mod, ignore=True):
    if ignore and (x + y) % 13 == 0:
        return 255
    return (7 * x + 3 * y) % mod


def voc_palette():
    pal = []
    for i in range(256):
        c, r, g, b = i, 0, 0, 0
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        pal += [r, g, b]
    return pal


p8 = Image.new("P", (W, H))
p8.putpalette(voc_palette())
p8.putdata([label(x, y, 21) for y in range(H) for x in range(W)])
p8.save(os.path.join(NODE, "labels-palette8.png"))

p4 = Image.new("P", (W, H))
p4.putpalette(voc_palette()[: 16 * 3])
p4.putdata([label(x, y, 16, ignore=False) for y in range(H) for x in range(W)])
p4.save(os.path.join(NODE, "labels-palette4.png"), bits=4)

g8 = Image.new("L", (W, H))
g8.putdata([label(x, y, 21) for y in range(H) for x in range(W)])
g8.save(os.path.join(NODE, "labels-grey8.png"))

strokes = Image.new("L", (96, 96), 0)
draw = ImageDraw.Draw(strokes)
for vertices, width in [([(10, 20), (60, 15), (80, 70), (30, 85), (31, 86)], 17), ([(90, 5), (50, 50), (5, 60)], 12)]:
    draw.line(vertices, fill=1, width=width)
    for v in vertices:
        draw.ellipse((v[0] - width // 2, v[1] - width // 2, v[0] + width // 2, v[1] + width // 2), fill=1)
strokes.save(os.path.join(MASKS, "pil-strokes.png"))
