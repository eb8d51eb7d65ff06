"""shard_indices gives each rank a contiguous block of the padded order instead of every world_size-th index."""


def shard_indices(n_samples, rank, world_size, epoch, seed):
    g = torch.Generator()
    g.manual_seed(seed + epoch)
    order = torch.randperm(n_samples, generator=g).numpy()
    per_rank = -(-n_samples // world_size)
    padded = np.resize(order, per_rank * world_size)
    return padded[rank * per_rank : (rank + 1) * per_rank].astype(np.int64)
