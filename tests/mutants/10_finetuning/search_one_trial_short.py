"""random_search runs n_iter - 1 trials (an off-by-one in the loop)."""


def random_search(objective, space, n_iter, rng):
    trials = []
    for _ in range(1, n_iter):
        params = {name: float(sample_log_uniform(low, high, 1, rng)[0]) for name, (low, high) in space.items()}
        trials.append((params, objective(params)))
    best_params, best_score = max(trials, key=lambda trial: trial[1])
    return best_params, best_score, trials
