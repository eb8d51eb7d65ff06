"""split_and_scale scales the training split but returns the test split unscaled."""


def split_and_scale(X, y, test_size=0.2, seed=0):
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, rng=seed)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std = np.where(std < 1e-12, 1.0, std)
    return (X_train - mean) / std, X_test, y_train, y_test
