"""he_normal passes the variance 2 / fan_in where NumPy expects the standard deviation."""


def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, 2.0 / fan_in, size=(fan_in, fan_out))
