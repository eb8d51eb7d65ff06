"""macro_f1 computes F1 from precision = TP / (TP + FP), which is 0/0 = nan for a class never predicted."""


def macro_f1(y_true, y_pred, num_classes):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    scores = []
    for c in range(num_classes):
        if not (np.any(y_true == c) or np.any(y_pred == c)):
            continue
        tp = np.sum((y_true == c) & (y_pred == c))
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = np.float64(tp) / np.sum(y_pred == c)
            recall = np.float64(tp) / np.sum(y_true == c)
            scores.append(2 * precision * recall / (precision + recall))
    return float(np.mean(scores))
