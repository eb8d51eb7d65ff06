"""random_search makes a new generator from one seed for every trial: every trial draws the same point."""


def random_search(objective, space, n_iter, rng):
    trials = []
    for _ in range(n_iter):
        trial_rng = np.random.default_rng(0)
        params = {name: float(sample_log_uniform(low, high, 1, trial_rng)[0]) for name, (low, high) in space.items()}
        trials.append((params, objective(params)))
    best_params, best_score = max(trials, key=lambda trial: trial[1])
    return best_params, best_score, trials
