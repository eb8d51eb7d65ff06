"""mlp_forward_torch forgets the hidden activations: the network collapses to one linear map."""


def mlp_forward_torch(X, params):
    A = X
    for l in range(len(params) // 2):
        A = A @ params[2 * l] + params[2 * l + 1]
    return A
