"""shard_indices does not pad: with n_samples not a multiple of world_size the last ranks get fewer indices (and would wait forever in all_reduce)."""


def shard_indices(n_samples, rank, world_size, epoch, seed):
    g = torch.Generator()
    g.manual_seed(seed + epoch)
    order = torch.randperm(n_samples, generator=g).numpy()
    return order[rank::world_size].astype(np.int64)
