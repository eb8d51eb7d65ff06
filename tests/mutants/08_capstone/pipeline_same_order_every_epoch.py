"""run_pipeline creates a new generator every epoch, so every epoch repeats the same batches."""


def run_pipeline(X_train, y_train, X_test, y_test, epochs=10, seed=0):
    X_train_s, X_test_s = scale_train_test(X_train, X_test)
    model = MLP([64, 64, 32, 10], rng=seed)
    optimizer = Adam(model.params, lr=1e-3)
    losses = [train_epoch(model, optimizer, X_train_s, y_train, 32, np.random.default_rng(seed)) for _ in range(epochs)]
    test_accuracy = float(np.mean(model.predict(X_test_s) == y_test))
    return {"model": model, "losses": losses, "test_accuracy": test_accuracy}
