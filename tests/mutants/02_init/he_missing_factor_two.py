"""he_normal forgets ReLU's factor 2: std = sqrt(1 / fan_in) (LeCun's initialization)."""


def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))
