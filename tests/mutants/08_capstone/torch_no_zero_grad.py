"""train_torch never calls optimizer.zero_grad(): gradients pile up across batches."""


def train_torch(X_train, y_train, X_test, y_test, device, epochs=10, seed=0):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)
    ).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    X = torch.as_tensor(X_train, dtype=torch.float32, device=device)
    y = torch.as_tensor(y_train, dtype=torch.long, device=device)
    losses = []
    for _ in range(epochs):
        order, total = torch.randperm(len(X), device=device), 0.0
        for start in range(0, len(X), 32):
            idx = order[start : start + 32]
            loss = torch.nn.functional.cross_entropy(net(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        losses.append(total / len(X))
    net.eval()
    with torch.no_grad():
        X_t = torch.as_tensor(X_test, dtype=torch.float32, device=device)
        y_t = torch.as_tensor(y_test, dtype=torch.long, device=device)
        test_accuracy = (net(X_t).argmax(dim=1) == y_t).float().mean().item()
    return net, losses, test_accuracy
