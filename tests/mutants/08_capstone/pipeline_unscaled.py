"""run_pipeline forgets the preprocessing and trains on the raw pixel values 0..16."""


def run_pipeline(X_train, y_train, X_test, y_test, epochs=10, seed=0):
    model = MLP([64, 64, 32, 10], rng=seed)
    optimizer = Adam(model.params, lr=1e-3)
    rng = np.random.default_rng(seed)
    losses = [train_epoch(model, optimizer, X_train, y_train, 32, rng) for _ in range(epochs)]
    test_accuracy = float(np.mean(model.predict(X_test) == y_test))
    return {"model": model, "losses": losses, "test_accuracy": test_accuracy}
