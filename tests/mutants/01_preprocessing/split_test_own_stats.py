"""split_and_scale standardizes the test split with its own mean and std."""


def split_and_scale(X, y, test_size=0.2, seed=0):
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, rng=seed)

    def scale(A):
        std = A.std(axis=0)
        return (A - A.mean(axis=0)) / np.where(std < 1e-12, 1.0, std)

    return scale(X_train), scale(X_test), y_train, y_test
