"""random_search keeps the trial with the LOWEST score, as if the objective were a loss."""


def random_search(objective, space, n_iter, rng):
    trials = []
    for _ in range(n_iter):
        params = {name: float(sample_log_uniform(low, high, 1, rng)[0]) for name, (low, high) in space.items()}
        trials.append((params, objective(params)))
    best_params, best_score = min(trials, key=lambda trial: trial[1])
    return best_params, best_score, trials
