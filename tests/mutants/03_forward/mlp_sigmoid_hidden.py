"""mlp_forward_torch uses a sigmoid instead of ReLU in the hidden layers."""


def mlp_forward_torch(X, params):
    A = X
    n_layers = len(params) // 2
    for l in range(n_layers):
        A = A @ params[2 * l] + params[2 * l + 1]
        if l < n_layers - 1:
            A = torch.sigmoid(A)
    return A
