"""macro_f1 pools the counts of all classes (the micro average) instead of averaging per-class scores."""


def macro_f1(y_true, y_pred, num_classes):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    tp = np.sum(y_true == y_pred)
    fp = fn = np.sum(y_true != y_pred)
    return float(2 * tp / (2 * tp + fp + fn))
