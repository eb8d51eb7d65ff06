"""standardize overwrites the caller's X in place (X -= mean)."""


def standardize(X):
    std = X.std(axis=0)
    std = np.where(std < 1e-12, 1.0, std)
    X -= X.mean(axis=0)
    X /= std
    return X
