"""confusion_matrix puts predictions in the rows and true classes in the columns."""


def confusion_matrix(y_true, y_pred, num_classes):
    C = np.zeros((num_classes, num_classes), dtype=int)
    for t, p in zip(y_true, y_pred):
        C[p, t] += 1
    return C
