"""init_params builds each W as (D_l, D_{l-1}), torch's layout, instead of (D_{l-1}, D_l)."""


def init_params(sizes, rng):
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(he_normal(fan_in, fan_out, rng).T)
        params.append(np.zeros(fan_out))
    return params
