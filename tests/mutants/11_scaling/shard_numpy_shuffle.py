"""shard_indices shuffles with NumPy's generator seeded by seed + epoch instead of torch.randperm: not DistributedSampler's order."""


def shard_indices(n_samples, rank, world_size, epoch, seed):
    order = np.random.default_rng(seed + epoch).permutation(n_samples)
    total = -(-n_samples // world_size) * world_size
    padded = np.resize(order, total)
    return padded[rank:total:world_size].astype(np.int64)
