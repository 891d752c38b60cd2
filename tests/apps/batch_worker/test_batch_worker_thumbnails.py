"""Images through the worker: sizes, fit vs. cover, EXIF orientation."""

from __future__ import annotations

import io
import struct
import zlib

from batch_worker.processors import thumbnails
from batch_worker.worker import REASON_ATTRIBUTE
from PIL import ExifTags, Image, ImageFile

MIB = 1024 * 1024


def picture(size: tuple[int, int], image_format: str = "JPEG", orientation: int | None = None) -> bytes:
    """Blue, with the top-left quadrant red, so rotations can be told apart."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1] // 2))
    options = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[ExifTags.Base.Orientation] = orientation
        options["exif"] = exif.tobytes()
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def colour(image: Image.Image, x: int, y: int) -> str:
    red, _, blue = image.convert("RGB").getpixel((x, y))[:3]
    return "red" if red > 200 and blue < 60 else "blue" if blue > 200 and red < 60 else "other"


def process(pipeline, key: str, data: bytes, **worker: object) -> tuple[Image.Image, Image.Image]:
    pipeline.upload(key, data)
    pipeline.notify(key)
    pipeline.worker("thumbnails", **worker).process_next()
    assert pipeline.queue_counts() == (0, 0)
    return (
        Image.open(io.BytesIO(pipeline.output(f"resized/{key}"))),
        Image.open(io.BytesIO(pipeline.output(f"thumbs/{key}"))),
    )


def test_landscape_photo_gives_1024x768_and_192x192(pipeline) -> None:
    resized, thumb = process(pipeline, "cats/Tom Cat.jpg", picture((2048, 1536)))

    assert resized.format == "JPEG" and resized.size == (1024, 768)
    assert thumb.format == "JPEG" and thumb.size == (192, 192)
    assert colour(resized, 10, 10) == "red" and colour(resized, 1000, 10) == "blue"
    assert pipeline.output_keys() == ["resized/cats/Tom Cat.jpg", "thumbs/cats/Tom Cat.jpg"]


def test_exif_orientation_is_applied_and_removed(pipeline) -> None:
    # Stored as 1600×1200; orientation 6 means "rotate 90° clockwise to display": a portrait.
    resized, thumb = process(pipeline, "phone.jpg", picture((1600, 1200), orientation=6))

    assert resized.size == (576, 768)  # fit: whole picture inside 1024×768
    assert thumb.size == (192, 192)  # cover: centre-cropped square
    # The stored top-left (red) quadrant is displayed top-right.
    assert colour(resized, 560, 10) == "red" and colour(resized, 10, 10) == "blue"
    assert colour(thumb, 180, 40) == "red" and colour(thumb, 10, 40) == "blue"
    assert ExifTags.Base.Orientation not in resized.getexif()


def png_header(width: int, height: int) -> bytes:
    """A PNG that announces `width`×`height` RGB pixels: a few hundred bytes that a decoder would
    turn into width × height × 3 bytes (30000×30000 is 2.5 GiB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(4096))) + chunk(b"IEND", b"")
    )


def dead_letter_reason(pipeline) -> str:
    [dead] = pipeline.sqs.receive_message(QueueUrl=pipeline.dlq_url, MessageAttributeNames=["All"])["Messages"]
    return dead["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"]


def refused(pipeline, key: str, data: bytes, **worker: object) -> str:
    """Runs one input that must be refused on its first receive; returns the dead-letter reason."""
    pipeline.upload(key, data)
    pipeline.notify(key)
    pipeline.worker("thumbnails", **worker).process_next()
    assert pipeline.queue_counts() == (0, 0)
    assert pipeline.output_keys() == []
    return dead_letter_reason(pipeline)


def test_a_png_named_jpg_is_refused_without_being_decoded(pipeline, monkeypatch) -> None:
    def never(self):
        raise AssertionError("the picture was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    reason = refused(pipeline, "cats/bomb.jpg", png_header(30000, 30000))

    assert reason.startswith("PermanentInputError: s3://bw-input/cats/bomb.jpg: not a JPEG picture (")
    assert "900000000 pixels" in reason  # Pillow's own header check names the size


def test_a_small_png_is_refused_by_content_whatever_its_name(pipeline) -> None:
    reason = refused(pipeline, "icons/logo.jpg", picture((300, 100), image_format="PNG"))
    assert reason.endswith("not a JPEG picture (PNG, 300×100)")


def test_a_picture_beyond_the_memory_cap_is_refused_before_decoding(pipeline, monkeypatch) -> None:
    data = picture((1200, 1000))
    assert thumbnails.max_pixels(16) < 1200 * 1000 < thumbnails.max_pixels(2048)

    def never(self):
        raise AssertionError("the picture was decoded")

    with monkeypatch.context() as patch:
        patch.setattr(ImageFile.ImageFile, "load", never)
        reason = refused(pipeline, "big.jpg", data, memory_mib=16)
    assert reason.endswith(
        f"1200×1000 is 1200000 pixels; this task decodes at most {thumbnails.max_pixels(16)} (16 MiB of memory)"
    )

    resized, _ = process(pipeline, "big.jpg", data, memory_mib=2048)
    assert resized.size == (922, 768)


def test_the_pixel_cap_follows_the_task_memory() -> None:
    assert thumbnails.max_pixels(2048) == 2048 * MIB * thumbnails.MEMORY_SHARE / thumbnails.BYTES_PER_PIXEL
    assert thumbnails.max_pixels(None) == Image.MAX_IMAGE_PIXELS


def test_a_truncated_jpeg_is_refused_as_undecodable(pipeline) -> None:
    reason = refused(pipeline, "cut.jpg", picture((800, 600))[:1500])
    assert "undecodable JPEG: OSError" in reason


def test_a_multi_picture_jpeg_keeps_its_primary_picture(pipeline) -> None:
    primary, second = Image.new("RGB", (800, 600), (255, 0, 0)), Image.new("RGB", (800, 600), (0, 0, 255))
    buffer = io.BytesIO()
    primary.save(buffer, format="MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"

    resized, thumb = process(pipeline, "phone.jpg", buffer.getvalue())

    assert resized.format == "JPEG" and resized.size == (800, 600)
    assert colour(thumb, 96, 96) == "red"


def test_large_jpeg_is_decoded_at_reduced_size_with_enough_detail_left() -> None:
    with Image.open(io.BytesIO(picture((4200, 3150)))) as image:
        thumbnails._decode_at_reduced_size(image)

        image.load()

        # Halved by the decoder, still at least twice the 1024×768 output.
        assert image.size == (2100, 1575)
