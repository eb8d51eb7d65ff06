"""macro_f1 weights each class's F1 by its number of true samples (the weighted average)."""


def macro_f1(y_true, y_pred, num_classes):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    total = 0.0
    for c in range(num_classes):
        tp = np.sum((y_true == c) & (y_pred == c))
        fp = np.sum((y_true != c) & (y_pred == c))
        fn = np.sum((y_true == c) & (y_pred != c))
        if tp + fp + fn:
            total += np.sum(y_true == c) * 2 * tp / (2 * tp + fp + fn)
    return float(total / len(y_true))
