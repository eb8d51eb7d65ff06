"""Scales with scikit-learn's StandardScaler fitted on the training set instead of writing it."""


def scale_train_test(X_train, X_test):
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)
