"""Calls scikit-learn's confusion_matrix instead of counting."""


def confusion_matrix(y_true, y_pred, num_classes):
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix

    return sk_confusion_matrix(y_true, y_pred, labels=list(range(num_classes)))
