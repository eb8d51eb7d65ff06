"""confusion_matrix counts in a float array (np.zeros' default dtype) although counts are integers."""


def confusion_matrix(y_true, y_pred, num_classes):
    C = np.zeros((num_classes, num_classes))
    for t, p in zip(y_true, y_pred):
        C[t, p] += 1
    return C
