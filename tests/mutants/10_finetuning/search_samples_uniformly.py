"""random_search samples every hyperparameter uniformly in its range, not on a log scale."""


def random_search(objective, space, n_iter, rng):
    trials = []
    for _ in range(n_iter):
        params = {name: float(rng.uniform(low, high)) for name, (low, high) in space.items()}
        trials.append((params, objective(params)))
    best_params, best_score = max(trials, key=lambda trial: trial[1])
    return best_params, best_score, trials
