"""shard_indices pads with the order's last index repeated instead of its first indices."""


def shard_indices(n_samples, rank, world_size, epoch, seed):
    g = torch.Generator()
    g.manual_seed(seed + epoch)
    order = torch.randperm(n_samples, generator=g).numpy()
    total = -(-n_samples // world_size) * world_size
    padded = np.concatenate([order, np.full(total - n_samples, order[-1])])
    return padded[rank:total:world_size].astype(np.int64)
