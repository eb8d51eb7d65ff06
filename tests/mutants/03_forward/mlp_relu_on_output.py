"""mlp_forward_torch applies ReLU to the output layer too, clipping negative logits."""


def mlp_forward_torch(X, params):
    A = X
    for l in range(len(params) // 2):
        A = torch.relu(A @ params[2 * l] + params[2 * l + 1])
    return A
