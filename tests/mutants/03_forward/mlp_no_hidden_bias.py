"""mlp_forward_torch adds the bias of the output layer only and forgets the hidden layers' biases."""


def mlp_forward_torch(X, params):
    A = X
    n_layers = len(params) // 2
    for l in range(n_layers - 1):
        A = torch.relu(A @ params[2 * l])
    return A @ params[-2] + params[-1]
