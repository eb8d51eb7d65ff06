"""mse takes the absolute error instead of the squared error (that is MAE)."""


def mse(y_pred, y_true):
    return float(np.mean(np.abs(np.asarray(y_pred) - np.asarray(y_true))))
