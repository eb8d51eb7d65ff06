"""random_shift moves each image with np.roll: what leaves one side comes back on the other."""


def random_shift(images, max_shift, rng):
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))
    return np.stack([np.roll(image, (down, right), axis=(0, 1)) for image, (down, right) in zip(images, shifts)])
