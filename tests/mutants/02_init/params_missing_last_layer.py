"""init_params stops one layer early (an off-by-one in the loop over layers)."""


def init_params(sizes, rng):
    params = []
    for l in range(1, len(sizes) - 1):
        params.append(he_normal(sizes[l - 1], sizes[l], rng))
        params.append(np.zeros(sizes[l]))
    return params
