"""train_bn_net calls net.eval() before training: batch norm never sees a batch's statistics nor updates its running ones."""


def train_bn_net(X_train, y_train, device, epochs=8, seed=0):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.BatchNorm1d(64), torch.nn.ReLU(),
                              torch.nn.Linear(64, 10)).to(device)
    net.eval()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    X = torch.as_tensor(X_train, dtype=torch.float32, device=device)
    y = torch.as_tensor(y_train, dtype=torch.long, device=device)
    for _ in range(epochs):
        order = torch.randperm(len(X), device=device)
        for start in range(0, len(X), 32):
            idx = order[start:start + 32]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(net(X[idx]), y[idx]).backward()
            optimizer.step()
    return net
