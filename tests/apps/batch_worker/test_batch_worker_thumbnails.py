"""Images through the worker: sizes, fit vs. cover, EXIF orientation."""

from __future__ import annotations

import io

from batch_worker.processors import thumbnails
from PIL import ExifTags, Image


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


def process(pipeline, key: str, data: bytes) -> tuple[Image.Image, Image.Image]:
    pipeline.upload(key, data)
    pipeline.notify(key)
    pipeline.worker("thumbnails").process_next()
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


def test_small_png_keeps_its_format_and_is_not_enlarged(pipeline) -> None:
    resized, thumb = process(pipeline, "icons/logo.png", picture((300, 100), image_format="PNG"))

    assert resized.format == "PNG" and resized.size == (300, 100)
    assert thumb.format == "PNG" and thumb.size == (192, 192)
    assert pipeline.s3.head_object(Bucket=pipeline.output_bucket, Key="thumbs/icons/logo.png")["ContentType"] == (
        "image/png"
    )


def test_large_jpeg_is_decoded_at_reduced_size_with_enough_detail_left() -> None:
    with Image.open(io.BytesIO(picture((4200, 3150)))) as image:
        thumbnails._decode_at_reduced_size(image)

        image.load()

        # Halved by the decoder, still at least twice the 1024×768 output.
        assert image.size == (2100, 1575)
