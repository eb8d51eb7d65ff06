"""run_pipeline standardizes with statistics of all the data, as if scaling before the split."""


def run_pipeline(X_train, y_train, X_test, y_test, epochs=10, seed=0):
    X_all_s, _ = scale_train_test(np.concatenate([X_train, X_test]), X_test)
    X_train_s, X_test_s = X_all_s[: len(X_train)], X_all_s[len(X_train) :]
    model = MLP([64, 64, 32, 10], rng=seed)
    optimizer = Adam(model.params, lr=1e-3)
    rng = np.random.default_rng(seed)
    losses = [train_epoch(model, optimizer, X_train_s, y_train, 32, rng) for _ in range(epochs)]
    test_accuracy = float(np.mean(model.predict(X_test_s) == y_test))
    return {"model": model, "losses": losses, "test_accuracy": test_accuracy}
