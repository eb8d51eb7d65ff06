"""Calls scikit-learn's StandardScaler instead of writing the z-score."""


def standardize(X):
    from sklearn.preprocessing import StandardScaler

    return StandardScaler().fit_transform(np.asarray(X, dtype=float))
