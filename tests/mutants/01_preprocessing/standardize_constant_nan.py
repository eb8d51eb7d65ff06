"""standardize divides by a zero std, so constant columns become nan."""


def standardize(X):
    X = np.asarray(X, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (X - X.mean(axis=0)) / X.std(axis=0)
