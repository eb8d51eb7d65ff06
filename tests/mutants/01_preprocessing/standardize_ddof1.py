"""standardize divides by the sample std (ddof=1) instead of the population std."""


def standardize(X):
    X = np.asarray(X, dtype=float)
    std = X.std(axis=0, ddof=1)
    std = np.where(std < 1e-12, 1.0, std)
    return (X - X.mean(axis=0)) / std
