"""Images: an upright copy that fits 1024×768 and a 192×192 thumbnail.

- `resized/<key>`: the whole picture, aspect ratio kept, scaled down to fit inside 1024×768
  ("fit": a 4:3 landscape comes out exactly 1024×768, a portrait 576×768); never enlarged.
- `thumbs/<key>`: exactly 192×192, scaled to cover the square and centre-cropped ("cover"), so
  a grid of thumbnails lines up whatever the aspect ratio of the originals.

Both are first turned upright according to the EXIF Orientation tag, then saved as JPEG at quality
85 with the ICC colour profile kept and the other metadata dropped, since EXIF and XMP can carry the
camera's GPS position.

Hostile inputs are refused before anything is decoded, as a `PermanentInputError` (straight to the
dead-letter queue): a format other than JPEG (recognised by content, whatever the key says, so a
PNG named `.jpg` that would decode to gigabytes is never decoded), a picture with more pixels than
the task's memory allows (`max_pixels`), or content Pillow cannot decode.
"""

from __future__ import annotations

import io
import math
import shutil
import tempfile
from collections.abc import Mapping

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from . import Context, PermanentInputError, Sink, Source

RESIZED = (1024, 768)
THUMB = (192, 192)
# Image decoders need to seek; bigger inputs spill to local disk instead of memory.
SPOOL_BYTES = 32 * 1024 * 1024
_COPY_CHUNK = 1024 * 1024
# Pillow's names of what this processor accepts: JPEG, and MPO (multi-picture JPEGs from phones,
# whose primary picture is kept), saved as JPEG.
ACCEPTED_FORMATS = ("JPEG", "MPO")
_SAVE_AS = "JPEG"
# Peak memory per input pixel, counted as if decoded at full size (draft decoding usually needs far
# less): the decoded picture and its upright copy, 4 bytes a pixel each (CMYK; RGB needs 3).
BYTES_PER_PIXEL = 8
# The share of the task's memory one picture may take; the rest is the interpreter, the spool and
# the encoded outputs.
MEMORY_SHARE = 0.5
_ROTATED = frozenset({5, 6, 7, 8})  # orientations that swap width and height


def max_pixels(memory_mib: int | None) -> int:
    """The largest picture (width × height) a task with `memory_mib` decodes; Pillow's own
    decompression-bomb limit when the memory is unknown."""
    if memory_mib is None:
        return Image.MAX_IMAGE_PIXELS or 0
    return int(memory_mib * 1024 * 1024 * MEMORY_SHARE / BYTES_PER_PIXEL)


def process(source: Source, sink: Sink, ctx: Context) -> Mapping[str, int]:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        shutil.copyfileobj(source, spool, _COPY_CHUNK)
        spool.seek(0)
        try:
            # Only the JPEG plugin may look at the bytes (it opens MPO files too, as format "MPO"),
            # and it reads just the header here.
            image = Image.open(spool, formats=["JPEG"])
        except UnidentifiedImageError:
            spool.seek(0)
            raise PermanentInputError(f"not a JPEG picture ({_identify(spool)})") from None
        except Image.DecompressionBombError as exc:
            raise PermanentInputError(f"decompression bomb: {exc}") from None
        with image:
            if image.format not in ACCEPTED_FORMATS:
                raise PermanentInputError(f"not a JPEG picture ({image.format})")
            limit = max_pixels(ctx.memory_mib)
            if image.width * image.height > limit:
                raise PermanentInputError(
                    f"{image.width}×{image.height} is {image.width * image.height} pixels; "
                    f"this task decodes at most {limit} ({ctx.memory_mib} MiB of memory)"
                )
            icc_profile = image.info.get("icc_profile")
            try:
                _decode_at_reduced_size(image)
                upright = ImageOps.exif_transpose(image)
            except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
                # Pillow's ways of saying the content is broken; the bytes are all local by now.
                raise PermanentInputError(f"undecodable JPEG: {type(exc).__name__}: {exc}") from None

    resized = upright.copy()
    resized.thumbnail(RESIZED, Image.Resampling.LANCZOS)
    thumb = ImageOps.fit(upright, THUMB, Image.Resampling.LANCZOS)
    for prefix, picture in (("resized", resized), ("thumbs", thumb)):
        data = _encode(picture, icc_profile)
        sink.open(f"{prefix}/{ctx.key}", Image.MIME[_SAVE_AS]).write(data)
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


def _identify(spool: tempfile.SpooledTemporaryFile) -> str:
    """What the bytes are, for the reason: Pillow's format name from the header alone, nothing
    decoded (Image.open reads only the header; the picture is never loaded)."""
    try:
        with Image.open(spool) as image:
            return f"{image.format}, {image.width}×{image.height}"
    except Image.DecompressionBombError as exc:
        return f"a decompression bomb: {exc}"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"unrecognised content: {type(exc).__name__}"


def _encode(picture: Image.Image, icc_profile: bytes | None) -> bytes:
    picture.info = {}
    options: dict = {"quality": 85, "optimize": True}
    if icc_profile:
        options["icc_profile"] = icc_profile
    buffer = io.BytesIO()
    picture.save(buffer, format=_SAVE_AS, **options)
    return buffer.getvalue()
