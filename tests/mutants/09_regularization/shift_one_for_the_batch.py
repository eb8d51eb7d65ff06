"""random_shift draws one (down, right) and moves every image of the batch the same way."""


def random_shift(images, max_shift, rng):
    down, right = rng.integers(-max_shift, max_shift + 1, size=2)
    n, height, width = images.shape
    out = np.zeros_like(images)
    out[:, max(0, down):min(height, height + down), max(0, right):min(width, width + right)] = images[
        :, max(0, -down):min(height, height - down), max(0, -right):min(width, width - right)]
    return out
