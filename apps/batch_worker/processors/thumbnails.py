"""Images: an upright copy that fits 1024×768 and a 192×192 thumbnail.

- `resized/<key>`: the whole picture, aspect ratio kept, scaled down to fit inside 1024×768
  ("fit": a 4:3 landscape comes out exactly 1024×768, a portrait 576×768); never enlarged.
- `thumbs/<key>`: exactly 192×192, scaled to cover the square and centre-cropped ("cover"), so
  a grid of thumbnails lines up whatever the aspect ratio of the originals.

Both are first turned upright according to the EXIF Orientation tag, then saved in the input's
format (JPEG at quality 85) with the ICC colour profile kept and the other metadata dropped, since
EXIF and XMP can carry the camera's GPS position. Animated images keep their first frame.
"""

from __future__ import annotations

import io
import math
import shutil
import tempfile
from collections.abc import Mapping

from PIL import ExifTags, Image, ImageOps

from . import Context, Sink, Source

RESIZED = (1024, 768)
THUMB = (192, 192)
# Image decoders need to seek; bigger inputs spill to local disk instead of memory.
SPOOL_BYTES = 32 * 1024 * 1024
_COPY_CHUNK = 1024 * 1024
_SAVE_AS = {"MPO": "JPEG"}  # multi-picture JPEGs from phones: keep the primary picture
_ROTATED = frozenset({5, 6, 7, 8})  # orientations that swap width and height


def process(source: Source, sink: Sink, ctx: Context) -> Mapping[str, int]:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        shutil.copyfileobj(source, spool, _COPY_CHUNK)
        spool.seek(0)
        with Image.open(spool) as image:
            image_format = _SAVE_AS.get(image.format or "", image.format)
            icc_profile = image.info.get("icc_profile")
            _decode_at_reduced_size(image)
            upright = ImageOps.exif_transpose(image)
    if upright.mode == "P":
        upright = upright.convert("RGBA" if "transparency" in upright.info else "RGB")
    elif upright.mode == "1":
        upright = upright.convert("L")

    resized = upright.copy()
    resized.thumbnail(RESIZED, Image.Resampling.LANCZOS)
    thumb = ImageOps.fit(upright, THUMB, Image.Resampling.LANCZOS)
    for prefix, picture in (("resized", resized), ("thumbs", thumb)):
        data = _encode(picture, image_format, icc_profile)
        sink.open(f"{prefix}/{ctx.key}", Image.MIME.get(image_format)).write(data)
    return {"width": upright.width, "height": upright.height}


def _decode_at_reduced_size(image: Image.Image) -> None:
    """Let the JPEG decoder scale down by 1/2..1/8 while decoding: a 48-megapixel photo then
    needs a fraction of the memory and time. Twice the largest output size is kept, as Pillow's
    own `thumbnail` does, so the final resampling still has detail to work with."""
    width, height = image.size
    if image.getexif().get(ExifTags.Base.Orientation, 1) in _ROTATED:
        upright_width, upright_height = height, width
    else:
        upright_width, upright_height = width, height
    fit = min(1.0, RESIZED[0] / upright_width, RESIZED[1] / upright_height)
    cover = max(THUMB[0] / upright_width, THUMB[1] / upright_height)
    scale = min(1.0, 2 * max(fit, cover))
    image.draft(None, (math.ceil(width * scale), math.ceil(height * scale)))


def _encode(picture: Image.Image, image_format: str, icc_profile: bytes | None) -> bytes:
    picture.info = {}
    options: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if image_format == "JPEG":
        options |= {"quality": 85, "optimize": True}
    buffer = io.BytesIO()
    picture.save(buffer, format=image_format, **options)
    return buffer.getvalue()
