"""mse sums over the columns and averages over the rows only, dividing by N instead of by all M entries."""


def mse(y_pred, y_true):
    diff = np.atleast_2d(np.asarray(y_pred) - np.asarray(y_true))
    return float(np.mean(np.sum(diff**2, axis=-1)))
