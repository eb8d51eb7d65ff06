"""scale_train_test divides constant features by their std of 0 (nan and inf in the output)."""


def scale_train_test(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return (X_train - mean) / std, (X_test - mean) / std
