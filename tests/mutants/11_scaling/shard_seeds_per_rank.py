"""shard_indices seeds each rank's shuffle with seed + epoch + rank: the ranks' permutations differ, so their shards overlap and miss samples."""


def shard_indices(n_samples, rank, world_size, epoch, seed):
    g = torch.Generator()
    g.manual_seed(seed + epoch + rank)
    order = torch.randperm(n_samples, generator=g).numpy()
    total = -(-n_samples // world_size) * world_size
    padded = np.resize(order, total)
    return padded[rank:total:world_size].astype(np.int64)
