#!/usr/bin/env python3
"""Makes crates/xyjt-pdf/fonts/NotoSansCJKsc-Regular-GBK.otf, the font of the PDF credit reports.

Not run by the build or CI: the subset is committed, so a fresh machine needs nothing. Rerun it
(after `apt-get install fonts-noto-cjk` and `pip install fonttools`) to change the coverage.

Coverage: ASCII and Latin-1, general punctuation, letterlike symbols, enclosed numbers, box
drawing and shapes, CJK symbols, full-width forms, every character GBK encodes (the 21,003
hanzi of GBK/GB 13000, so a name imported from a GBK file always renders), and every character
>= U+3000 in the repository's data, sources and templates. Hinting and OpenType layout tables
are dropped (the reports need neither); each PDF then embeds a further subset of what it uses.
"""
import glob
import os
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
OUT = os.path.join(ROOT, "crates/xyjt-pdf/fonts/NotoSansCJKsc-Regular-GBK.otf")


def coverage():
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    for lo, hi in [(0x2000, 0x2070), (0x2100, 0x2200), (0x2460, 0x2500), (0x2500, 0x2600),
                   (0x3000, 0x3040), (0xFF00, 0xFFF0)]:
        chars |= set(range(lo, hi))
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            try:
                chars.add(ord(bytes([lead, trail]).decode("gbk")))
            except UnicodeDecodeError:
                pass
    patterns = ["data/**/*", "crates/**/*.rs", "crates/**/templates/**/*.html"]
    for pattern in patterns:
        for path in glob.glob(os.path.join(ROOT, pattern), recursive=True):
            try:
                with open(path, encoding="utf-8") as f:
                    chars |= {ord(c) for c in f.read() if ord(c) >= 0x3000}
            except (UnicodeDecodeError, IsADirectoryError):
                pass
    return chars


def main():
    collection = TTCollection(SOURCE)
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["VORG", "vhea", "vmtx", "DSIG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=coverage())
    subsetter.subset(font)
    font.save(sys.argv[1] if len(sys.argv) > 1 else OUT)


if __name__ == "__main__":
    main()
