"""Calls scikit-learn's MinMaxScaler instead of writing the rescaling."""


def min_max_scale(X, feature_range=(0.0, 1.0)):
    from sklearn.preprocessing import MinMaxScaler

    return MinMaxScaler(feature_range=feature_range).fit_transform(np.asarray(X, dtype=float))
