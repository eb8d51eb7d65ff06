"""random_shift moves each image the opposite way: out[r, c] = image[r + down, c + right]."""


def random_shift(images, max_shift, rng):
    n, height, width = images.shape
    shifts = rng.integers(-max_shift, max_shift + 1, size=(n, 2))
    out = np.zeros_like(images)
    for i, (down, right) in enumerate(-shifts):
        out[i, max(0, down):min(height, height + down), max(0, right):min(width, width + right)] = images[
            i, max(0, -down):min(height, height - down), max(0, -right):min(width, width - right)]
    return out
