"""shard_indices seeds the shuffle with seed alone: every epoch repeats epoch 0's order (set_epoch forgotten)."""


def shard_indices(n_samples, rank, world_size, epoch, seed):
    g = torch.Generator()
    g.manual_seed(seed)
    order = torch.randperm(n_samples, generator=g).numpy()
    total = -(-n_samples // world_size) * world_size
    padded = np.resize(order, total)
    return padded[rank:total:world_size].astype(np.int64)
