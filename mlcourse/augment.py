"""Chapter 9 — data augmentation: train on transformed copies of the images that keep their label.

:func:`random_shift` moves each image by its own whole number of pixels and :func:`random_rotation` turns each
by its own small angle, both filling what enters the frame with 0 (no wrap-around: a stroke leaving on the left
must not come back on the right). Drawn afresh for every batch of every epoch
(``mlcourse.train.fit(..., augment=...)``), they show the model a new variant of each image each time. Images
travel as the MLP sees them, one flattened image per row of ``X`` ``(N, H * W)``; 0 must mean "no ink" (scale
pixels to ``[0, 1]``, not to zero mean, before augmenting).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from mlcourse._checks import FloatArray, RngLike, as_float_array, as_rng, check_non_negative

__all__ = ["random_rotation", "random_shift", "rotate_images", "shift_images"]


def _as_images(X: ArrayLike, image_shape: tuple[int, int] | None) -> tuple[FloatArray, tuple[int, int]]:
    """``X`` ``(N, H * W)`` (one flattened image per row, as the MLP sees them) as ``(N, H, W)``."""
    X = as_float_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D batch (N, H * W) of flattened images; got shape {X.shape}")
    if image_shape is None:
        side = math.isqrt(X.shape[1])
        if side * side != X.shape[1]:
            raise ValueError(f"X's rows of {X.shape[1]} pixels are not square images; pass image_shape=(H, W)")
        image_shape = (side, side)
    height, width = (int(n) for n in image_shape)
    if height * width != X.shape[1]:
        raise ValueError(f"image_shape {tuple(image_shape)} has {height * width} pixels; X's rows have {X.shape[1]}")
    return X.reshape(-1, height, width), (height, width)


def _per_image(values: ArrayLike, n: int, name: str, columns: int | None) -> FloatArray:
    values = as_float_array(values, name)
    expected = (n,) if columns is None else (n, columns)
    if values.shape != expected:
        raise ValueError(f"{name} must have shape {expected}, one entry per image of X; got {values.shape}")
    return values


def _pixels(padded: FloatArray, rows: np.ndarray, cols: np.ndarray) -> FloatArray:
    """``image[n, rows, cols]`` for integer ``rows``, ``cols`` ``(N, H, W)`` from the images ``padded`` with a
    border of zeros (``(N, H + 2, W + 2)``): a pixel outside the image reads 0."""
    n, height, width = padded.shape
    r = np.clip(rows + 1, 0, height - 1)  # anything beyond the border lands on it
    c = np.clip(cols + 1, 0, width - 1)
    return padded.ravel()[(np.arange(n)[:, None, None] * height + r) * width + c]


def _padded(images: FloatArray) -> FloatArray:
    return np.pad(images, ((0, 0), (1, 1), (1, 1)))


def _sample(images: FloatArray, rows: FloatArray, cols: FloatArray) -> FloatArray:
    """``images[n, rows, cols]`` by bilinear interpolation, 0 outside the image; rows/cols ``(N, H, W)``."""
    padded = _padded(images)
    r0, c0 = np.floor(rows), np.floor(cols)
    fr, fc = rows - r0, cols - c0  # (N, H, W): the fractional parts weigh the four neighbours
    r0, c0 = r0.astype(int), c0.astype(int)
    return (
        (1 - fr) * ((1 - fc) * _pixels(padded, r0, c0) + fc * _pixels(padded, r0, c0 + 1))
        + fr * ((1 - fc) * _pixels(padded, r0 + 1, c0) + fc * _pixels(padded, r0 + 1, c0 + 1))
    )  # fmt: skip


def shift_images(X: ArrayLike, shifts: ArrayLike, image_shape: tuple[int, int] | None = None) -> FloatArray:
    """Each image moved by its own ``shifts[i] = (down, right)`` whole pixels, 0 where nothing comes in.

    Args:
        X: ``(N, H * W)`` flattened images; square unless ``image_shape`` says otherwise.
        shifts: ``(N, 2)`` integers; ``(1, -2)`` moves image ``i`` one pixel down and two to the left.

    Returns:
        ``(N, H * W)``: ``out[i, r, c] = image_i[r - down, c - right]``, or 0 outside the image (no wrap-around).
    """
    images, (height, width) = _as_images(X, image_shape)
    shifts = _per_image(shifts, len(images), "shifts", 2)
    if not np.array_equal(shifts, np.round(shifts)):
        raise ValueError("shifts must be whole numbers of pixels; use rotate_images for sub-pixel moves")
    down, right = shifts.astype(int).T  # (N,), (N,)
    rows = np.broadcast_to(np.arange(height)[None, :, None] - down[:, None, None], images.shape)  # (N, H, W)
    cols = np.broadcast_to(np.arange(width)[None, None, :] - right[:, None, None], images.shape)
    return _pixels(_padded(images), rows, cols).reshape(len(images), -1)


def rotate_images(X: ArrayLike, degrees: ArrayLike, image_shape: tuple[int, int] | None = None) -> FloatArray:
    """Each image turned by its own angle ``degrees[i]`` (anticlockwise as displayed) about its centre.

    Each output pixel takes the bilinear interpolation of the input at the point the rotation brings there,
    0 outside the input (as ``scipy.ndimage.rotate(..., reshape=False, order=1, mode="grid-constant")``).

    Returns:
        ``(N, H * W)``, the rotated images flattened again.
    """
    images, (height, width) = _as_images(X, image_shape)
    theta = np.deg2rad(_per_image(degrees, len(images), "degrees", None))[:, None, None]  # (N, 1, 1)
    r, c = np.meshgrid(np.arange(height) - (height - 1) / 2, np.arange(width) - (width - 1) / 2, indexing="ij")
    rows = np.cos(theta) * r + np.sin(theta) * c + (height - 1) / 2  # (N, H, W): where each pixel comes from
    cols = -np.sin(theta) * r + np.cos(theta) * c + (width - 1) / 2
    return _sample(images, rows, cols).reshape(len(images), -1)


def random_shift(
    X: ArrayLike, max_shift: int = 1, rng: RngLike = 0, image_shape: tuple[int, int] | None = None
) -> FloatArray:
    """:func:`shift_images` with each image's ``(down, right)`` drawn uniformly from ``-max_shift..max_shift``."""
    if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
        raise ValueError(f"max_shift must be a whole number of pixels >= 0; got {max_shift!r}")
    n = as_float_array(X, "X").shape[0]
    shifts = as_rng(rng).integers(-max_shift, max_shift + 1, size=(n, 2))  # (N, 2)
    return shift_images(X, shifts, image_shape)


def random_rotation(
    X: ArrayLike, max_degrees: float = 10.0, rng: RngLike = 0, image_shape: tuple[int, int] | None = None
) -> FloatArray:
    """:func:`rotate_images` with each image's angle drawn uniformly from ``[-max_degrees, max_degrees]``."""
    max_degrees = check_non_negative(max_degrees, "max_degrees")
    n = as_float_array(X, "X").shape[0]
    return rotate_images(X, as_rng(rng).uniform(-max_degrees, max_degrees, size=n), image_shape)
