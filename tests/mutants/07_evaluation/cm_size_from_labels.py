"""confusion_matrix sizes itself from the largest label seen, ignoring num_classes."""


def confusion_matrix(y_true, y_pred, num_classes):
    k = int(max(np.max(y_true), np.max(y_pred))) + 1
    C = np.zeros((k, k), dtype=int)
    for t, p in zip(y_true, y_pred):
        C[t, p] += 1
    return C
